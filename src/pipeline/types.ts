import type { Logger } from 'pino';
import {
  DEFAULT_DEDUP_WINDOW_EVENTS,
  DEFAULT_DEDUP_WINDOW_HOURS,
  DEFAULT_DRAIN_TIMEOUT_SECONDS,
} from '../config/defaults.js';
import type { AmpError } from '../errors.js';
import type { SecureEndpointEvent } from '../event/types.js';
import type { Format } from '../formats/types.js';
import type { Sink } from '../sinks/types.js';
import type { Source, SourceEvent, SourceOptions } from '../source/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { BackoffOptions } from '../util/retry.js';
import type { BreakerOptions } from './breaker.js';

/**
 * The pipeline (docs/architecture.md, Delivery contract): source → decode → dedup → filter → route
 * → format → sink write → ack. A delivery is acked only when every route it goes to has durably
 * written it (or dead-lettered it, for a non-retryable sink refusal); acks go out in delivery
 * order, `multiple=true`, up to the highest fully settled delivery.
 */

// The library's defaults are the daemon's: every value comes from config/defaults.ts.
export { DEFAULT_BATCH_MAX_EVENTS, DEFAULT_BATCH_MAX_WAIT_MS } from '../config/defaults.js';
/** Longest a graceful drain waits for held batches (a failing sink), in ms. */
export const DEFAULT_DRAIN_TIMEOUT_MS = DEFAULT_DRAIN_TIMEOUT_SECONDS * 1000;
/** Dedup window: the most recent event ids remembered, by count. */
export const DEFAULT_DEDUP_WINDOW_SIZE = DEFAULT_DEDUP_WINDOW_EVENTS;
/** Dedup window by age, in hours (Cisco keeps events 10 days = 240 h). */
export const DEFAULT_DEDUP_TTL_HOURS = DEFAULT_DEDUP_WINDOW_HOURS;

/** One destination: a sink, the format its records are rendered in, an optional filter. */
export interface Route {
  /** Unique within the pipeline; the `sink` label in metrics. */
  readonly name: string;
  readonly sink: Sink;
  readonly format: Format;
  /** true = send this event to the route. A filtered-out event counts as settled here. */
  readonly filter?: (event: SecureEndpointEvent) => boolean;
}

export interface BatchOptions {
  /** (default=DEFAULT_BATCH_MAX_EVENTS=500) events per sink write. */
  readonly maxEvents?: number;
  /** (default=DEFAULT_BATCH_MAX_WAIT_MS=200) in ms. */
  readonly maxWaitMs?: number;
}

export interface DedupOptions {
  /** SQLite database file (WAL mode); created 0600 if missing. */
  readonly path: string;
  /** (default=DEFAULT_DEDUP_WINDOW_SIZE=1_000_000) ids kept, by count. */
  readonly windowSize?: number;
  /** (default=DEFAULT_DEDUP_TTL_HOURS=240) ids kept, by age, in hours. */
  readonly ttlHours?: number;
  /** Set: the shared PostgreSQL store instead of the SQLite file at `path`. */
  readonly postgres?: {
    /** postgres://user:password@host/db (secret) */
    readonly url: string;
    readonly schema: string;
    /** whose ids: one stream (`org/stream id`) */
    readonly scope: string;
  };
}

export interface PipelineOptions {
  readonly source: SourceOptions;
  readonly routes: readonly Route[];
  readonly batch?: BatchOptions;
  /** Off when undefined. */
  readonly dedup?: DedupOptions;
  /**
   * JSON-lines file for poison messages and non-retryable sink refusals: one line each with
   * the base64 body, the delivery metadata and the reason; fsynced before the ack.
   */
  readonly deadLetterPath: string;
  /** The dead-letter circuit breaker (default: 10 % of the last 1000 events). */
  readonly breaker?: BreakerOptions;
  /** Sink retry backoff. (default: base 500 ms, cap 30 s, full jitter) */
  readonly retry?: BackoffOptions;
  /**
   * (default=DEFAULT_DRAIN_TIMEOUT_MS=30_000) how long `drain()` waits for held batches to be
   * written before it gives up on them and requeues them, in ms.
   */
  readonly drainTimeoutMs?: number;
  /**
   * (default=true) the pipeline starts the route sinks in `start()` and closes them in
   * `close()`. Set false when the caller owns them (never share one sink between pipelines:
   * sink writes must not run concurrently).
   */
  readonly ownsSinks?: boolean;
  /**
   * A stop condition (`tail`/`demo --count N`), asked before each batch and after each one
   * settles: once it says true the pipeline starts no further batch and drains itself
   * (outcome `drained`). Cut batches small enough for the condition to be exact.
   */
  readonly stopWhen?: () => boolean;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** (default=source.queue) the `stream` label on metrics. */
  readonly metricsLabel?: string;
  /**
   * Asked before each batch is written: an error stops the pipeline with it, writing and acking
   * nothing more (the broker requeues the rest). Replicas: the lease of the stream (docs/leases.md).
   */
  readonly fence?: () => AmpError | undefined;
  /** Injected for tests: builds the source (default: the AMQP source). */
  readonly createSource?: (options: SourceOptions) => Source;
  /** (default=Date.now) wall clock in ms, for lag and dead-letter timestamps. */
  readonly now?: () => number;
}

export type PipelineOutcome =
  { readonly kind: 'drained' } | { readonly kind: 'fatal'; readonly error: AmpError };

export type PipelineState = 'idle' | 'starting' | 'running' | 'draining' | 'closed';

export interface RouteRetryState {
  /** When the current failing streak began (ms since epoch). */
  readonly since: number;
  readonly attempts: number;
  readonly lastError: AmpError;
  /**
   * `unavailable`: down or slow (unhealthy after health.maxSinkRetrySeconds); `refused`: the
   * destination refuses every request (unhealthy at once); `breaker`: the dead-letter breaker
   * holds refused records (unhealthy at once).
   */
  readonly kind: 'unavailable' | 'refused' | 'breaker';
}

export interface RouteStats {
  readonly name: string;
  readonly written: number;
  readonly filtered: number;
  readonly failures: number;
  readonly deadLettered: number;
  /** Set while this route's sink is failing and its batch is being retried. */
  readonly retrying: RouteRetryState | undefined;
}

export interface PipelineStats {
  readonly state: PipelineState;
  /** The source holds a live consumer. */
  readonly connected: boolean;
  readonly delivered: number;
  readonly redelivered: number;
  readonly acked: number;
  readonly requeued: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  /** Deliveries held and not yet acked (bounded by prefetch). */
  readonly inFlight: number;
  readonly reconnects: number;
  readonly queueDepth: number | undefined;
  readonly consumerCount: number | undefined;
  readonly routes: readonly RouteStats[];
  /** Set while the dead-letter breaker holds poison messages (nothing is acked). */
  readonly breaker?: AmpError;
}

/**
 * Lifecycle: `start()` (sinks, dedup store, dead-letter file, source) → running →
 * `drain()` (graceful: cancel the consumer, write and flush in-flight batches, ack what was
 * written, requeue the rest, close) or `close()` (immediate: stop now, the broker redelivers
 * anything unacked — still no loss). `done` resolves once, with how it ended; it never
 * rejects. A second `drain()` while draining, or `close()`, cuts the drain short.
 */
export interface Pipeline {
  /** Resolves when the consumer is up; rejects with the fatal AmpError (and `done` says so too). */
  start(): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  readonly done: Promise<PipelineOutcome>;
  stats(): PipelineStats;
  /** Source notifications (connect, reconnect, probe, watchdog, peek window full…). */
  subscribe(listener: (event: SourceEvent) => void): () => void;
}
