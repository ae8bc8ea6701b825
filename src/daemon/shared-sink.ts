import type { Sink, SinkRecord } from '../sinks/types.js';

/**
 * One sink instance shared by the pipelines of several streams (one file, one HEC channel,
 * one connection pool), with writes serialised: the Sink contract says writes never run
 * concurrently, and each pipeline awaits only its own. The daemon owns the lifecycle
 * (start once, close once after every pipeline has drained), so `start`/`close` here are
 * no-ops for the pipelines (`ownsSinks: false`).
 */
export class SerialSink implements Sink {
  readonly name: string;
  readonly inner: Sink;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(inner: Sink) {
    this.inner = inner;
    this.name = inner.name;
  }

  async start(): Promise<void> {}

  write(batch: readonly SinkRecord[], signal?: AbortSignal): Promise<void> {
    const next = this.#tail.then(
      () => this.inner.write(batch, signal),
      () => this.inner.write(batch, signal),
    );
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {}
}
