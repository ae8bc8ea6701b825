import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { AmpError, toAmpError } from '../errors.js';
import type { DecodedEvent } from '../event/types.js';
import { RecordArena } from '../formats/record.js';
import type { SinkRecord } from '../sinks/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import { backoffDelay, sleep, type BackoffOptions } from '../util/backoff.js';
import type { Route, RouteRetryState, RouteStats } from './types.js';

/**
 * Sink errors that no retry and no dead letter can fix: the pipeline stops (nothing more is
 * acked; the broker keeps the events). SINK_CLOSED: stdout's reader went away. SINK_AUTH /
 * SINK_CONFIG: the sink refuses our credentials or settings until the config is fixed —
 * dead-lettering every event meanwhile would empty the stream into a side file.
 */
const STOP_CODES = new Set(['SINK_CLOSED', 'SINK_AUTH', 'SINK_CONFIG']);

/** Thrown out of `write` to stop the pipeline. */
export class StopPipeline extends Error {
  constructor(readonly error: AmpError) {
    super(error.message);
  }
}

/** What a route does with records a sink refused for good (non-retryable): dead-letter them. */
export type RejectHandler = (route: string, records: readonly SinkRecord[], error: AmpError) => Promise<void>;

/**
 * One route: filter → format → `sink.write` with retry. A retryable failure is retried with
 * full-jitter backoff (honouring `details.retryAfterMs`), holding the batch (and therefore
 * its deliveries: the prefetch window fills and the broker stops sending). A non-retryable
 * one dead-letters the records, then counts them as settled.
 */
export class RouteWriter {
  readonly route: Route;
  written = 0;
  filtered = 0;
  failures = 0;
  deadLettered = 0;
  retrying: RouteRetryState | undefined;
  readonly #log: Logger;
  /** Arenas free for the next batch, and the one holding each batch's bytes until it is written. */
  readonly #arenas: RecordArena[] = [];
  readonly #arenaOf = new WeakMap<readonly SinkRecord[], RecordArena>();
  readonly #retry: BackoffOptions;
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  readonly #m:
    | {
        readonly records: Counter.Internal;
        readonly filtered: Counter.Internal;
        readonly seconds: Histogram.Internal<'stream' | 'sink'>;
        readonly retrying: Gauge.Internal<'stream' | 'sink'>;
        readonly failures: Counter<'stream' | 'sink' | 'code'>;
        readonly stream: string;
      }
    | undefined;

  constructor(
    route: Route,
    deps: {
      logger: Logger;
      retry: BackoffOptions;
      signal: AbortSignal;
      now: () => number;
      metrics: Metrics | undefined;
      stream: string;
    },
  ) {
    this.route = route;
    this.#log = deps.logger.child({ sink: route.name });
    this.#retry = deps.retry;
    this.#signal = deps.signal;
    this.#now = deps.now;
    const m = deps.metrics;
    this.#m =
      m === undefined
        ? undefined
        : {
            records: m.sinkRecords.labels(deps.stream, route.name),
            filtered: m.filtered.labels(deps.stream, route.name),
            seconds: m.sinkWriteSeconds.labels(deps.stream, route.name),
            retrying: m.sinkRetrying.labels(deps.stream, route.name),
            failures: m.sinkWriteFailures,
            stream: deps.stream,
          };
    this.#m?.records.inc(0);
    this.#m?.filtered.inc(0);
    this.#m?.retrying.set(0);
  }

  stats(): RouteStats {
    const { written, filtered, failures, deadLettered, retrying } = this;
    return { name: this.route.name, written, filtered, failures, deadLettered, retrying };
  }

  /**
   * Render the events this route takes (after its filter). The payloads are UTF-8 bytes in an
   * arena of this route (src/formats/record.ts), reused once `write` has resolved for them.
   */
  records(events: readonly DecodedEvent[]): SinkRecord[] {
    const { filter, format } = this.route;
    const arena = this.#arenas.pop() ?? new RecordArena();
    arena.reset();
    const out: SinkRecord[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as DecodedEvent;
      if (filter !== undefined && !filter(e.event)) continue;
      out.push({ event: e, payload: arena.bytes(format.render(e)) });
    }
    this.#arenaOf.set(out, arena);
    const left = events.length - out.length;
    if (left > 0) {
      this.filtered += left;
      this.#m?.filtered.inc(left);
    }
    return out;
  }

  /**
   * Resolves once the sink has the records durably, or they were dead-lettered. Rejects with
   * StopPipeline for a stop code, or when the pipeline is closing at once (signal aborted).
   */
  async write(records: readonly SinkRecord[], onReject: RejectHandler): Promise<void> {
    await this.#write(records, onReject);
    // Durable or dead-lettered: the records' bytes may be reused (not after a throw: stopping).
    const arena = this.#arenaOf.get(records);
    if (arena !== undefined) {
      this.#arenaOf.delete(records);
      this.#arenas.push(arena);
    }
  }

  async #write(records: readonly SinkRecord[], onReject: RejectHandler): Promise<void> {
    if (records.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      if (this.#signal.aborted) throw new StopPipeline(new AmpError('INTERNAL', 'pipeline closing'));
      const t0 = performance.now();
      try {
        await this.route.sink.write(records);
        this.#m?.seconds.observe((performance.now() - t0) / 1000);
        this.#m?.records.inc(records.length);
        this.written += records.length;
        if (this.retrying !== undefined) this.#recovered();
        return;
      } catch (e) {
        const err = toAmpError(e, 'SINK_WRITE_FAILED', { retryable: true });
        if (this.#signal.aborted) throw new StopPipeline(err); // closing: not the sink's fault
        this.failures++;
        this.#m?.failures.labels(this.#m.stream, this.route.name, err.code).inc();
        if (STOP_CODES.has(err.code)) throw new StopPipeline(err);
        if (!err.retryable) {
          this.#log.error(
            { err: err.toJSON(), records: records.length },
            'sink refused the batch for good; dead-lettering it',
          );
          await onReject(this.route.name, records, err);
          this.deadLettered += records.length;
          if (this.retrying !== undefined) this.#recovered();
          return;
        }
        await this.#wait(attempt, err);
      }
    }
  }

  async #wait(attempt: number, err: AmpError): Promise<void> {
    const since = this.retrying?.since ?? this.#now();
    this.retrying = { since, attempts: attempt + 1, lastError: err };
    this.#m?.retrying.set(1);
    const retryAfter = typeof err.details['retryAfterMs'] === 'number' ? err.details['retryAfterMs'] : 0;
    const delayMs = Math.max(retryAfter, backoffDelay(attempt, this.#retry));
    // First failure of a streak at warn, then every 10th: a dead sink must not flood the log.
    if (attempt % 10 === 0)
      this.#log.warn(
        { err: err.toJSON(), attempt: attempt + 1, delayMs },
        'sink write failed; holding the batch and retrying',
      );
    await sleep(delayMs, this.#signal);
    if (this.#signal.aborted) throw new StopPipeline(err);
  }

  #recovered(): void {
    this.#log.info({ attempts: this.retrying?.attempts }, 'sink recovered');
    this.retrying = undefined;
    this.#m?.retrying.set(0);
  }
}
