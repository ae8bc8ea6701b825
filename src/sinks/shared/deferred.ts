import type { Sink, SinkRecord } from '../types.js';
import { closedError, notStarted } from './lifecycle.js';

/**
 * A sink whose implementation is loaded on `start()`. The registry lists every sink type with
 * its config schema, but a daemon runs one or two of them: their implementation modules (and
 * the client libraries behind them: undici, pg, nats) are imported only when a sink of that
 * type starts, not by every `ampstream` process at start-up (docs/bench.md, start-up memory).
 *
 * It follows the lifecycle of the sink it loads (sinks/types.ts): `write()` before `start()`
 * or after `close()` rejects; `close()` is idempotent and also waits for a load in flight.
 */
export class DeferredSink implements Sink {
  readonly name: string;
  readonly #load: () => Promise<Sink>;
  #loading: Promise<Sink> | undefined;
  #sink: Sink | undefined;
  #closed = false;

  constructor(name: string, load: () => Promise<Sink>) {
    this.name = name;
    this.#load = load;
  }

  async start(): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    this.#loading ??= this.#load();
    const sink = await this.#loading;
    if (this.#closed) throw closedError(this.name);
    this.#sink = sink;
    await sink.start();
  }

  write(batch: readonly SinkRecord[], signal?: AbortSignal): Promise<void> {
    const sink = this.#sink;
    if (sink === undefined) {
      return Promise.reject(this.#closed ? closedError(this.name) : notStarted(this.name));
    }
    return sink.write(batch, signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const sink = await this.#loading?.catch(() => undefined);
    await sink?.close();
  }
}
