import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for the delivery core (docs/architecture.md, Observability), on a private `Registry` per
 * instance (never prom-client's global one), so tests and several daemons in one process stay
 * isolated. The daemon serves `metrics.registry.metrics()` on `/metrics`.
 *
 * Labels are bounded: `stream` (the queue, or a configured label), `sink` (route name),
 * `reason` (dead-letter reason kind), `code` (AmpError code). Never event ids.
 *
 * Hot-path rule: the pipeline increments once per batch (`inc(n)`), on label children it
 * resolved once at start (`counter.labels(...)`), never per event.
 */

/** (default='ampstream_') prefix of every metric name. */
export const DEFAULT_METRICS_PREFIX = 'ampstream_';

/** Sink write latency buckets, in seconds: 1 ms … 30 s (fsync'd files ~ms, HTTP ~10-100 ms). */
const WRITE_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Batch size buckets, in events (the default batch is 500). */
const BATCH_SIZE_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

export interface MetricsOptions {
  /** (default=a new Registry) register into this one instead. */
  readonly registry?: Registry;
  /** (default=DEFAULT_METRICS_PREFIX) */
  readonly prefix?: string;
  /** (default=false) also collect Node process metrics (CPU, RSS, event loop lag, GC). */
  readonly defaultMetrics?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  /** Messages received from the broker. */
  readonly deliveries: Counter<'stream'>;
  /** Deliveries the broker flagged `redelivered` (a previous consumer did not ack them). */
  readonly redeliveries: Counter<'stream'>;
  /** Deliveries acked (counted individually, though acks go out `multiple=true`). */
  readonly acks: Counter<'stream'>;
  /** Deliveries handed back to the broker with nack+requeue (drain, shutdown). */
  readonly requeues: Counter<'stream'>;
  /** Events written to the dead-letter file, by reason (not-json, missing-field, sink-rejected…). */
  readonly deadLetters: Counter<'stream' | 'reason'>;
  /** Events dropped by dedup because their id was already delivered. */
  readonly duplicates: Counter<'stream'>;
  /** Events a route's filter left out. */
  readonly filtered: Counter<'stream' | 'sink'>;
  /** Records a sink accepted durably. */
  readonly sinkRecords: Counter<'stream' | 'sink'>;
  /** Successful sink write duration, in seconds. */
  readonly sinkWriteSeconds: Histogram<'stream' | 'sink'>;
  /** Failed sink writes, by AmpError code. */
  readonly sinkWriteFailures: Counter<'stream' | 'sink' | 'code'>;
  /** 1 while the route's sink is failing and its batch is being retried. */
  readonly sinkRetrying: Gauge<'stream' | 'sink'>;
  /** Reconnects to the broker (after the first connect). */
  readonly reconnects: Counter<'stream'>;
  /** 1 while a consumer is attached. */
  readonly connected: Gauge<'stream'>;
  /** Queue depth (ready messages) from the last passive declare. */
  readonly queueDepth: Gauge<'stream'>;
  /** Consumers attached to the queue (ours included) from the last passive declare. */
  readonly consumerCount: Gauge<'stream'>;
  /** now − timestamp of the newest event written, in seconds. */
  readonly consumerLagSeconds: Gauge<'stream'>;
  /** Deliveries held unacked by the pipeline. */
  readonly inFlight: Gauge<'stream'>;
  /** Events per sink batch. */
  readonly batchSize: Histogram<'stream'>;
  /**
   * 1 per stream of a config with organisations: which organisation a `stream` label belongs
   * to (join on `stream`), so the other series keep their labels.
   */
  readonly streamOrganisation: Gauge<'stream' | 'org'>;
  /** The Prometheus text exposition of everything registered. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? DEFAULT_METRICS_PREFIX;
  const registers = [registry];
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: p });

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    new Counter({ name: p + name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
    new Gauge({ name: p + name, help, labelNames, registers });

  return {
    registry,
    deliveries: counter('deliveries_total', 'Messages received from the broker.', ['stream']),
    redeliveries: counter('redeliveries_total', 'Deliveries flagged redelivered by the broker.', ['stream']),
    acks: counter('acks_total', 'Deliveries acknowledged to the broker.', ['stream']),
    requeues: counter('requeues_total', 'Deliveries nacked with requeue (drain, shutdown).', ['stream']),
    deadLetters: counter('dead_letters_total', 'Events written to the dead-letter file, by reason.', [
      'stream',
      'reason',
    ]),
    duplicates: counter('duplicates_dropped_total', 'Events dropped by dedup (id already delivered).', [
      'stream',
    ]),
    filtered: counter('filtered_total', 'Events left out by a route filter.', ['stream', 'sink']),
    sinkRecords: counter('sink_records_total', 'Records a sink accepted durably.', ['stream', 'sink']),
    sinkWriteSeconds: new Histogram({
      name: `${p}sink_write_seconds`,
      help: 'Successful sink write (batch) duration in seconds.',
      labelNames: ['stream', 'sink'] as const,
      buckets: WRITE_SECONDS_BUCKETS,
      registers,
    }),
    sinkWriteFailures: counter('sink_write_failures_total', 'Failed sink writes, by error code.', [
      'stream',
      'sink',
      'code',
    ]),
    sinkRetrying: gauge('sink_retrying', '1 while the sink is failing and its batch is retried.', [
      'stream',
      'sink',
    ]),
    reconnects: counter('reconnects_total', 'Reconnects to the broker.', ['stream']),
    connected: gauge('connected', '1 while a consumer is attached to the queue.', ['stream']),
    queueDepth: gauge('queue_depth', 'Ready messages in the queue at the last probe.', ['stream']),
    consumerCount: gauge('queue_consumers', 'Consumers attached to the queue at the last probe.', ['stream']),
    consumerLagSeconds: gauge(
      'consumer_lag_seconds',
      'Now minus the timestamp of the newest event written, seconds.',
      ['stream'],
    ),
    inFlight: gauge('in_flight', 'Deliveries held unacked by the pipeline.', ['stream']),
    batchSize: new Histogram({
      name: `${p}batch_size`,
      help: 'Events per sink batch.',
      labelNames: ['stream'] as const,
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    streamOrganisation: gauge('stream_organisation', 'The organisation of a stream (always 1).', [
      'stream',
      'org',
    ]),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
