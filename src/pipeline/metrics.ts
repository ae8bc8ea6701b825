import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '../telemetry/metrics.js';

/**
 * The pipeline's view of the metrics: label children resolved once (prom-client hashes the
 * label values on every `labels()` call), updated once per batch, never per event. A no-op
 * when no registry was injected.
 */
export class PipelineMetrics {
  readonly #c:
    | {
        readonly deliveries: Counter.Internal;
        readonly redeliveries: Counter.Internal;
        readonly acks: Counter.Internal;
        readonly requeues: Counter.Internal;
        readonly duplicates: Counter.Internal;
        readonly deadLetters: Counter<'stream' | 'reason'>;
        readonly inFlight: Gauge.Internal<'stream'>;
        readonly lag: Gauge.Internal<'stream'>;
        readonly batchSize: Histogram.Internal<'stream'>;
        readonly stream: string;
      }
    | undefined;

  constructor(m: Metrics | undefined, stream: string) {
    this.#c =
      m === undefined
        ? undefined
        : {
            deliveries: m.deliveries.labels(stream),
            redeliveries: m.redeliveries.labels(stream),
            acks: m.acks.labels(stream),
            requeues: m.requeues.labels(stream),
            duplicates: m.duplicates.labels(stream),
            deadLetters: m.deadLetters,
            inFlight: m.inFlight.labels(stream),
            lag: m.consumerLagSeconds.labels(stream),
            batchSize: m.batchSize.labels(stream),
            stream,
          };
    // Start every per-stream counter at 0 so dashboards see the series before the first event.
    if (m !== undefined) {
      for (const c of [m.deliveries, m.redeliveries, m.acks, m.requeues, m.duplicates, m.reconnects])
        c.labels(stream).inc(0);
    }
  }

  received(n: number, redelivered: number): void {
    if (this.#c === undefined) return;
    this.#c.deliveries.inc(n);
    if (redelivered > 0) this.#c.redeliveries.inc(redelivered);
  }

  acked(n: number): void {
    this.#c?.acks.inc(n);
  }

  requeued(n: number): void {
    this.#c?.requeues.inc(n);
  }

  duplicates(n: number): void {
    this.#c?.duplicates.inc(n);
  }

  deadLettered(byReason: ReadonlyMap<string, number>): void {
    const c = this.#c;
    if (c === undefined) return;
    for (const [reason, n] of byReason) c.deadLetters.labels(c.stream, reason).inc(n);
  }

  inFlight(n: number): void {
    this.#c?.inFlight.set(n);
  }

  /** One settled batch: its size, and the lag (seconds) of its newest event. */
  batch(n: number, lagSeconds: number | undefined): void {
    if (this.#c === undefined) return;
    this.#c.batchSize.observe(n);
    if (lagSeconds !== undefined) this.#c.lag.set(lagSeconds);
  }
}
