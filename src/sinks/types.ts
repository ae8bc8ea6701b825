import type { DecodedEvent } from '../event/types.js';
import type { Format } from '../formats/types.js';

/**
 * One record handed to a sink: the event (for sinks that index columns: time, type, host,
 * severity…) and its payload already rendered in the sink's format.
 */
export interface SinkRecord {
  readonly event: DecodedEvent;
  /**
   * The rendered record, never containing a newline. The pipeline hands UTF-8 bytes that it
   * reuses for a later batch once `write()` has resolved: a sink copies what it keeps beyond
   * that (every sink here copies into its own buffer or request). A string is accepted too.
   */
  readonly payload: string | Buffer;
}

/**
 * The one interface every sink implements (docs/architecture.md, Delivery contract).
 *
 * Lifecycle: `start()` once (connect, open files, run migrations), then any number of
 * sequential `write()` calls (never concurrent: the pipeline awaits each), then `close()`.
 *
 * `write(batch)` resolves **only when every record of the batch is durable** in the sink:
 * file written and fsynced (when `fsync` is on), HTTP 2xx (HEC: indexer ack when enabled),
 * PostgreSQL COMMIT, NATS JetStream PubAck, syslog bytes written to a socket still open.
 * Only then does the pipeline ack the AMQP deliveries. It rejects with an `AmpError`:
 *   - `retryable: true` (SINK_UNAVAILABLE, SINK_TIMEOUT, SINK_DISK_FULL, …): the pipeline
 *     stops taking deliveries and retries the same batch with backoff; nothing is acked.
 *   - `SINK_REJECTED` (the sink refuses this data, e.g. HTTP 400): the pipeline splits the
 *     batch until single refused records are proven bad, dead-letters only those, acks.
 *   - any other `retryable: false` error (SINK_AUTH, SINK_CONFIG: the destination refuses
 *     every request): the pipeline holds the batch, backs off, /healthz turns 503; nothing is
 *     acked or dead-lettered. Never use SINK_REJECTED for a refusal of the whole request.
 * A write may be retried with the same batch, so sinks must tolerate duplicates (at least
 * once); sinks keyed by event id (postgres, nats) make them harmless.
 *
 * `close()` flushes and releases everything; it is idempotent.
 */
export interface Sink {
  readonly name: string;
  start(): Promise<void>;
  /**
   * `signal` aborts when the pipeline stops at once (a second signal, the drain deadline): a
   * sink that can abort its in-flight request does, and rejects (nothing is acked).
   */
  write(batch: readonly SinkRecord[], signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** What a sink factory receives besides its own validated config. */
export interface SinkContext {
  readonly name: string;
  readonly format: Format;
  readonly logger: import('pino').Logger;
  /** Resolves `env:NAME`, `file:PATH` and `vault:NAME` secret references. */
  readonly resolveSecret: (ref: string) => Promise<string>;
}

/**
 * How a sink type plugs into the YAML config and the pipeline. Each sink folder exports one
 * factory; `src/sinks/registry.ts` lists them all.
 *
 * `options` is a zod object holding only the sink-specific keys, with the discriminating
 * `type: z.literal('<type>')`. The common keys every sink has (`name`, `format`, `filter`,
 * batching) are added by the config module; a factory never sees them except through
 * `SinkContext`. Defaults live in the schema (`.default(...)`), each with its unit.
 */
export interface SinkFactory<T extends string = string, O extends { type: T } = { type: T }> {
  readonly type: T;
  readonly options: import('zod').ZodType<O>;
  /** The format a sink of this type uses when the config names none. */
  readonly defaultFormat: import('../formats/types.js').FormatName;
  create(options: O, context: SinkContext): Sink;
}
