/**
 * Every default of `ampstream.yaml` in one place, with its unit. The schema (`schema.ts`)
 * applies them; docs/daemon.md and examples/ampstream.yaml quote them.
 */

/** Where `ampstream run` / `config check` look when neither --config nor AMPSTREAM_CONFIG is set. */
export const DEFAULT_CONFIG_PATH = 'ampstream.yaml';

/** (default=1000) basic.qos prefetch: the most unacked deliveries held per stream. */
export const DEFAULT_PREFETCH = 1000;
/** AMQP heartbeat, in seconds (idle connections are dropped by Cisco without it). */
export const DEFAULT_HEARTBEAT_SECONDS = 30;

/** The port of an `amqp://` URL that names none (IANA). */
export const DEFAULT_AMQP_URL_PORT = 5672;
/** The port of an `amqps://` URL that names none (IANA). Cisco's credentials name 443. */
export const DEFAULT_AMQPS_URL_PORT = 5671;

/** A batch is written when it holds this many events… */
export const DEFAULT_BATCH_MAX_EVENTS = 500;
/** …or when its first event has waited this long, in ms. */
export const DEFAULT_BATCH_MAX_WAIT_MS = 200;

/** Dedup store (SQLite) path, relative to the config file's directory. */
export const DEFAULT_DEDUP_PATH = 'ampstream-dedup.sqlite';
/** Dedup window by count: the newest N event ids are remembered. */
export const DEFAULT_DEDUP_WINDOW_EVENTS = 1_000_000;
/** Dedup window by age, in hours (240 h = 10 days = the Cisco queue TTL). */
export const DEFAULT_DEDUP_WINDOW_HOURS = 240;

/** Dedup store: `sqlite` (a local file) or `postgres` (shared by replicas). */
export const DEFAULT_DEDUP_STORE = 'sqlite';
/** Schema of the PostgreSQL tables of replicas and shared dedup (created if missing). */
export const DEFAULT_FLEET_SCHEMA = 'ampstream';

/** Replicas: a lease not renewed for this long may be taken over by a standby, in s. */
export const DEFAULT_LEASE_SECONDS = 5;
/** Replicas: renew, heartbeat and look for free streams this often, in s. */
export const DEFAULT_LEASE_RENEW_SECONDS = 1;

/** Dead-letter file (JSON lines), relative to the config file's directory. */
export const DEFAULT_DEAD_LETTER_PATH = 'ampstream-dead-letter.jsonl';
/** Dead-letter breaker: more than this share of the window dead-lettered holds the stream… */
export const DEFAULT_BREAKER_MAX_SHARE = 0.1;
/** …where the window is the last N events delivered on the stream. */
export const DEFAULT_BREAKER_WINDOW_EVENTS = 1000;

/** The /metrics and /healthz listener: loopback only unless told otherwise. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

/** /healthz turns 503 when a sink has been failing (retrying) for longer than this, in s. */
export const DEFAULT_HEALTH_MAX_SINK_RETRY_SECONDS = 120;

/** On SIGTERM, how long held batches may take to be written before the rest is requeued, in s. */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 30;

/** Reconnect backoff (capped full jitter): first ceiling and largest ceiling, in ms. */
export const DEFAULT_RECONNECT_INITIAL_MS = 500;
export const DEFAULT_RECONNECT_MAX_MS = 30_000; // 30 s

/** backfill.maxGap: a gap in delivery longer than this makes `run` backfill on start (with onStart). */
export const DEFAULT_BACKFILL_MAX_GAP = '1h';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
