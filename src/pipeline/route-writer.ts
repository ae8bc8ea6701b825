import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { AmpError, toAmpError } from '../errors.js';
import type { DecodedEvent } from '../event/types.js';
import { RecordArena } from '../formats/record.js';
import type { SinkRecord } from '../sinks/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RetryPolicy } from '../util/retry.js';
import type { Route, RouteRetryState, RouteStats } from './types.js';

/** Thrown out of `write` to stop the pipeline (or, while draining, to stop retrying). */
export class StopPipeline extends Error {
  constructor(readonly error: AmpError) {
    super(error.message);
  }
}

/**
 * What a sink failure says, for the delivery policy (docs/delivery.md):
 *   - `event`: the sink refused the data of these records (SINK_REJECTED). Only proven for a
 *     single record: a refused batch is split in halves until each refused record stands
 *     alone; only those are dead-lettered.
 *   - `refused`: the destination refuses every request (wrong URL, credentials, settings,
 *     TLS, DNS): nothing is dead-lettered; the route holds its batch, backs off and /healthz
 *     says so at once.
 *   - `unavailable`: the destination is down or slow (5xx, timeouts, disk full): the route
 *     holds its batch and backs off; /healthz turns 503 after health.maxSinkRetrySeconds.
 *   - `closed`: the reader is gone for good (stdout EPIPE): the pipeline stops.
 */
export type FaultKind = 'event' | 'refused' | 'unavailable' | 'closed';

/** errno / TLS codes that mean "this destination cannot be reached as configured". */
const DESTINATION_ERRNO = new Set([
  'ENOTFOUND',
  'EAI_FAIL',
  'EAI_NONAME',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

export function faultKind(err: AmpError): FaultKind {
  if (err.code === 'SINK_CLOSED') return 'closed';
  if (err.code === 'SINK_REJECTED') return 'event';
  if (!err.retryable || err.code === 'SINK_AUTH' || err.code === 'SINK_CONFIG') return 'refused';
  const errno = err.details.errorCode;
  if (errno !== undefined && DESTINATION_ERRNO.has(errno)) return 'refused';
  return 'unavailable';
}

/** One record the sink refused on its own (proven by splitting), with the sink's error. */
export interface RejectedRecord {
  readonly record: SinkRecord;
  readonly error: AmpError;
}

/**
 * What a route does with records a sink refused on their own: dead-letter them. Rejects with
 * a DEAD_LETTER_BREAKER AmpError when the breaker refuses (the route then holds the records).
 */
export type RejectHandler = (route: string, rejected: readonly RejectedRecord[]) => Promise<void>;

/** The pipeline's two stop signals, as the routes see them. */
export interface StopSignals {
  /** Closing at once (or the drain deadline passed): abort in-flight writes, stop now. */
  readonly abort: AbortSignal;
  /** Draining: finish what is in flight, start no retry. */
  readonly drain: AbortSignal;
}

/**
 * One route: filter → format → `sink.write` with retry. A failure holds the batch (and
 * therefore its deliveries: the prefetch window fills and the broker stops sending) and is
 * retried under the route's retry policy (src/util/retry.ts: full-jitter backoff, honouring
 * `details.retryAfterMs`, a log line at the start of a streak and every 10th retry). A refusal tied to
 * data (SINK_REJECTED) splits the batch until single records are proven bad; those are
 * dead-lettered (through the breaker), the rest written.
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
  readonly #retry: RetryPolicy;
  readonly #stop: StopSignals;
  /** aborts on either stop signal: cuts a backoff sleep short */
  readonly #wake: AbortSignal;
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
      retry: RetryPolicy;
      signals: StopSignals;
      now: () => number;
      metrics: Metrics | undefined;
      stream: string;
    },
  ) {
    this.route = route;
    this.#log = deps.logger.child({ sink: route.name });
    this.#retry = deps.retry;
    this.#stop = deps.signals;
    this.#wake = AbortSignal.any([deps.signals.abort, deps.signals.drain]);
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
   * arena of this route (src/formats/record.ts), reused once `write` has resolved for them. An
   * event the format cannot render (beyond the depth or size limits, or a formatter fault) is
   * returned in `unrenderable` with the reason, to be dead-lettered: one strange event never
   * stops the stream.
   */
  records(events: readonly DecodedEvent[]): {
    records: SinkRecord[];
    unrenderable: { event: DecodedEvent; error: AmpError }[];
  } {
    const { filter, format } = this.route;
    const arena = this.#arenas.pop() ?? new RecordArena();
    arena.reset();
    const out: SinkRecord[] = [];
    const unrenderable: { event: DecodedEvent; error: AmpError }[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as DecodedEvent;
      try {
        if (filter !== undefined && !filter(e.event)) continue;
        out.push({ event: e, payload: arena.bytes(format.render(e)) });
      } catch (err) {
        const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        unrenderable.push({
          event: e,
          error: new AmpError(
            'EVENT_MALFORMED',
            `format "${format.name}" cannot render this event (${cause})`,
            {
              cause: err,
            },
          ),
        });
      }
    }
    this.#arenaOf.set(out, arena);
    const left = events.length - out.length - unrenderable.length;
    if (left > 0) {
      this.filtered += left;
      this.#m?.filtered.inc(left);
    }
    return { records: out, unrenderable };
  }

  /**
   * Resolves once the sink has the records durably, or the ones it refused on their own were
   * dead-lettered. Rejects with StopPipeline for SINK_CLOSED, when the pipeline closes
   * (abort), or when a retry would start during a drain.
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
    // Chunks still to write, in order; a data refusal splits a chunk in two.
    const todo: (readonly SinkRecord[])[] = [records];
    const bad: RejectedRecord[] = [];
    for (let attempt = 0; ;) {
      if (this.#stop.abort.aborted) throw new StopPipeline(new AmpError('INTERNAL', 'pipeline closing'));
      const chunk = todo[0];
      if (chunk === undefined) {
        if (bad.length > 0) {
          try {
            await onReject(this.route.name, bad);
          } catch (e) {
            const err = toAmpError(e);
            if (err.code !== 'DEAD_LETTER_BREAKER') throw e;
            // Hold the refused records; a later attempt may find the sink fixed.
            todo.push(bad.map((b) => b.record));
            bad.length = 0;
            await this.#wait(attempt++, err, 'breaker');
            continue;
          }
          this.deadLettered += bad.length;
        }
        if (this.retrying !== undefined) this.#recovered();
        return;
      }
      const t0 = performance.now();
      try {
        await this.route.sink.write(chunk, this.#stop.abort);
        this.#m?.seconds.observe((performance.now() - t0) / 1000);
        this.#m?.records.inc(chunk.length);
        this.written += chunk.length;
        todo.shift();
      } catch (e) {
        const err = toAmpError(e, 'SINK_WRITE_FAILED', { retryable: true });
        if (this.#stop.abort.aborted) throw new StopPipeline(err); // closing: not the sink's fault
        this.failures++;
        this.#m?.failures.labels(this.#m.stream, this.route.name, err.code).inc();
        const kind = faultKind(err);
        if (kind === 'closed') throw new StopPipeline(err);
        if (kind === 'event') {
          todo.shift();
          if (chunk.length === 1) bad.push({ record: chunk[0] as SinkRecord, error: err });
          else {
            const mid = Math.ceil(chunk.length / 2);
            todo.unshift(chunk.slice(0, mid), chunk.slice(mid));
          }
          continue;
        }
        await this.#wait(attempt++, err, kind);
      }
    }
  }

  async #wait(attempt: number, err: AmpError, kind: 'refused' | 'unavailable' | 'breaker'): Promise<void> {
    // A drain finishes what is in flight but starts no retry: the rest goes back to the queue.
    if (this.#stop.drain.aborted) throw new StopPipeline(err);
    const since = this.retrying?.since ?? this.#now();
    this.retrying = { since, attempts: attempt + 1, lastError: err, kind };
    this.#m?.retrying.set(1);
    const delayMs = this.#retry.delay(attempt, err);
    // One clear line when a streak starts, then a reminder now and then: a dead sink must not flood the log.
    if (attempt === 0) {
      const what =
        kind === 'refused'
          ? 'the destination refuses every request (check the sink settings: URL, credentials, TLS); ' +
            'holding the events (nothing acknowledged, nothing dead-lettered) and retrying'
          : kind === 'breaker'
            ? 'too many events would be dead-lettered; holding the events (nothing acknowledged) and retrying'
            : 'sink write failed; holding the batch and retrying';
      const log = { err: err.toJSON(), attempt: attempt + 1, delayMs };
      if (kind === 'unavailable') this.#log.warn(log, what);
      else this.#log.error(log, what);
    } else if (this.#retry.loud(attempt))
      this.#log.warn({ code: err.code, attempt: attempt + 1, delayMs }, 'sink still failing; retrying');
    if (!(await this.#retry.wait(delayMs, this.#wake))) throw new StopPipeline(err);
  }

  #recovered(): void {
    this.#log.info({ attempts: this.retrying?.attempts }, 'sink recovered');
    this.retrying = undefined;
    this.#m?.retrying.set(0);
  }
}
