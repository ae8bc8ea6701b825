import { Gauge, type Registry } from 'prom-client';
import { DEFAULT_METRICS_PREFIX } from '../telemetry/metrics.js';
import { keyString, type HeldLease, type LeaseKey } from './types.js';

/**
 * `ampstream_stream_lease{stream,org,replica}`: 1 while this replica holds the stream's lease,
 * 0 once it gave it up or lost it; summed over the fleet, every stream shows 1.
 */
export class LeaseGauge {
  readonly #gauge: Gauge<'stream' | 'org' | 'replica'>;
  readonly #replica: string;
  readonly #label: (key: LeaseKey) => string;
  readonly #seen = new Map<string, LeaseKey>();

  constructor(registry: Registry, replica: string, label: (key: LeaseKey) => string) {
    this.#replica = replica;
    this.#label = label;
    const name = `${DEFAULT_METRICS_PREFIX}stream_lease`;
    const existing = registry.getSingleMetric(name);
    this.#gauge =
      existing instanceof Gauge
        ? existing
        : new Gauge({
            name,
            help: '1 while this replica holds the lease of the stream (replicas: docs/leases.md).',
            labelNames: ['stream', 'org', 'replica'],
            registers: [registry],
          });
  }

  set(held: readonly HeldLease[]): void {
    const now = new Set(held.map((h) => keyString(h.key)));
    for (const h of held) this.#seen.set(keyString(h.key), h.key);
    for (const [k, key] of this.#seen)
      this.#gauge.set({ stream: this.#label(key), org: key.org, replica: this.#replica }, now.has(k) ? 1 : 0);
  }
}
