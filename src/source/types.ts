import type { Logger } from 'pino';
import type { AmpError } from '../errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { BackoffOptions } from '../util/retry.js';

/**
 * The AMQP source: one supervised consumer on one Cisco event-stream queue (docs/architecture.md,
 * docs/secure-endpoint-api.md §2.7-2.9). It knows nothing of sinks: it hands deliveries to one handler and
 * settles them when told to.
 */

// basic.qos prefetch and the AMQP heartbeat: the daemon's defaults, from config/defaults.ts.
export { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_PREFETCH } from '../config/defaults.js';
/** (default=15_000) TCP + TLS + AMQP handshake budget, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** (default=60_000) connected, queue non-empty, nothing delivered for this long → reconnect, in ms. */
export const DEFAULT_WATCHDOG_MS = 60_000;
/** (default=30_000) passive-declare probe period (queue depth, consumer count), in ms. */
export const DEFAULT_PROBE_INTERVAL_MS = 30_000;

export type SourceMode = 'consume' | 'peek';

export interface SourceOptions {
  /**
   * `amqp://user:pass@host:port/vhost` or `amqps://…` (Cisco: `amqps://…:443`; the API says
   * `proto: "https"`, which the caller maps to `amqps`, see `amqpUrlFromCredentials`).
   * The password never appears in logs or errors.
   */
  readonly url: string;
  /** `event_stream_<id>`; declared passive + durable: never created, never redeclared. */
  readonly queue: string;
  /** Extra trusted CA certificate(s), PEM. TLS verification is always on… */
  readonly ca?: string | Buffer;
  /** …unless this explicit flag is set (logged at warn when the source starts). (default=false) */
  readonly insecure?: boolean;
  /**
   * Outbound HTTP proxy, `http://[user:password@]host:port` (secret: may hold a password): the
   * AMQPS connection goes through a CONNECT tunnel opened afresh on every (re)connect, TLS end
   * to end. (default=from `env`: https_proxy, HTTPS_PROXY, http_proxy, HTTP_PROXY unless the
   * broker host is in no_proxy/NO_PROXY)
   */
  readonly proxy?: string;
  /** (default=process.env) where the proxy variables are read when `proxy` is not set */
  readonly env?: NodeJS.ProcessEnv;
  /** TLS SNI and certificate host name. (default=the URL host; none for an IP address) */
  readonly servername?: string;
  /** (default=DEFAULT_PREFETCH=1000) basic.qos prefetch count, in deliveries. */
  readonly prefetch?: number;
  /** (default=DEFAULT_HEARTBEAT_SECONDS=30) AMQP heartbeat, in seconds; 0 = off. */
  readonly heartbeatSeconds?: number;
  /** Reconnect backoff (capped full jitter, `src/util/retry.ts`). Tests shrink it. */
  readonly reconnect?: BackoffOptions;
  /** (default=DEFAULT_CONNECT_TIMEOUT_MS=15_000) connect budget per attempt, in ms. */
  readonly connectTimeoutMs?: number;
  /** (default=DEFAULT_WATCHDOG_MS=60_000) see DEFAULT_WATCHDOG_MS; 0 = off. In ms. */
  readonly watchdogMs?: number;
  /** (default=DEFAULT_PROBE_INTERVAL_MS=30_000) queue probe period, in ms; 0 = off. */
  readonly probeIntervalMs?: number;
  /**
   * (default='consume') `peek`: nothing is ever acked; on close every delivery goes back to
   * the queue (a diagnostic read that steals nothing). Peek is bounded by `prefetch`.
   */
  readonly mode?: SourceMode;
  /**
   * (default=Infinity) connection attempts before `start()` gives up with BROKER_UNREACHABLE
   * (exit 69) — for interactive commands. Once connected, reconnects are unlimited.
   */
  readonly startAttempts?: number;
  /** (default='ampstream') connection name shown in the RabbitMQ management UI. */
  readonly connectionName?: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** (default=queue name) the `stream` label on metrics. */
  readonly metricsLabel?: string;
}

/**
 * One message from the queue. `tag` is only meaningful on the channel that delivered it:
 * delivery tags die with the channel, so every delivery carries the `generation` (one per
 * consumer channel). Settling a delivery of an older generation is a no-op: the broker has
 * already requeued it and will deliver it again (`redelivered: true`).
 */
export interface Delivery {
  /** The message body (a view on the client's buffer; not copied). */
  readonly body: Buffer;
  readonly tag: number;
  readonly generation: number;
  readonly redelivered: boolean;
  readonly routingKey: string;
  readonly exchange: string;
}

/**
 * What the source calls. `onDelivery` is synchronous and must not throw: the consumer buffers
 * the delivery and settles it later with `ack`. When a channel dies (`onChannelLost`), every
 * unsettled delivery of that generation is void: forget it, it will be redelivered.
 */
export interface DeliveryHandler {
  onDelivery(delivery: Delivery): void;
  onChannelLost?(generation: number): void;
}

export type SourceState =
  'idle' | 'connecting' | 'consuming' | 'reconnecting' | 'cancelled' | 'closed' | 'failed';

/** Notifications, a discriminated union on `type` (for logs, health and the tail UI). */
export type SourceEvent =
  | {
      readonly type: 'connected';
      readonly generation: number;
      readonly messageCount: number;
      readonly consumerCount: number;
    }
  | { readonly type: 'disconnected'; readonly generation: number; readonly error: AmpError }
  | {
      readonly type: 'reconnect-scheduled';
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: AmpError;
    }
  | { readonly type: 'probe'; readonly messageCount: number; readonly consumerCount: number }
  /** Another consumer is attached: Cisco splits the events between consumers. */
  | { readonly type: 'competing-consumers'; readonly consumerCount: number }
  /** Connected, queue not empty, nothing delivered for `watchdogMs`: reconnecting. */
  | { readonly type: 'watchdog'; readonly idleMs: number; readonly messageCount: number }
  /** Peek mode holds `prefetch` deliveries: the broker sends nothing more until close. */
  | { readonly type: 'peek-window-full'; readonly prefetch: number }
  | { readonly type: 'fatal'; readonly error: AmpError }
  | { readonly type: 'closed' };

export type SourceOutcome =
  { readonly kind: 'closed' } | { readonly kind: 'fatal'; readonly error: AmpError };

export interface SourceStatus {
  readonly state: SourceState;
  readonly connected: boolean;
  readonly generation: number;
  readonly reconnects: number;
  /** From the last passive declare (connect or probe); undefined before the first. */
  readonly messageCount: number | undefined;
  readonly consumerCount: number | undefined;
  readonly lastError: AmpError | undefined;
}

/**
 * Lifecycle: `start(handler)` once → deliveries flow → `cancel()` (stop new deliveries, keep
 * the channel for the final acks) → `close()` (nack-requeue what is left, close). `close()`
 * alone is the immediate stop: the broker requeues everything unacked.
 */
export interface Source {
  /**
   * Connect and consume. Resolves when the first consumer is up; rejects with the AmpError
   * of a fatal condition (ACCESS_REFUSED, queue NOT_FOUND). Transient failures at start are
   * retried forever like later ones (watch `events` / `status`).
   */
  start(handler: DeliveryHandler): Promise<void>;
  /**
   * Ack every delivery of `generation` up to and including `tag` (basic.ack multiple=true).
   * No-op in peek mode and for a stale generation. Never throws.
   */
  ack(generation: number, tag: number): void;
  /** Nack with requeue every unacked delivery of `generation` (multiple=true). Never throws. */
  requeueAll(generation: number): void;
  /** basic.cancel: the broker sends nothing more; unacked deliveries stay settleable. */
  cancel(): Promise<void>;
  /** Requeue anything unacked, close channel and connection, stop timers. Idempotent. */
  close(): Promise<void>;
  readonly status: SourceStatus;
  /** Resolves once the source stops for good (closed, or fatal). Never rejects. */
  readonly done: Promise<SourceOutcome>;
  /** Subscribe to notifications; returns the unsubscribe function. */
  subscribe(listener: (event: SourceEvent) => void): () => void;
}
