import type { SinkRecord } from '../sinks/types.js';
import { summaryOf } from '../formats/summary.js';
import { eventKey } from '../event/key.js';

/**
 * The last events written to any sink, for the dashboard: one entry per event id (an event
 * written to three sinks is one line naming the three). Summary line always; the raw JSON only
 * when the config asks for it (`metrics.dashboard.payloads`).
 */
export interface RecentEvent {
  readonly id: string;
  /** event time, ms since epoch (undefined when the event has none) */
  readonly time: number | undefined;
  /** when a sink accepted it, ms since epoch */
  readonly writtenAt: number;
  readonly type: string;
  readonly summary: string;
  readonly sinks: string[];
  /** raw JSON, at most PAYLOAD_MAX characters; only with payloads on */
  readonly payload?: string;
}

/** (default=25) events kept */
export const RECENT_MAX = 25;
const PAYLOAD_MAX = 8192;

export class RecentEvents {
  readonly #max: number;
  readonly #payloads: boolean;
  readonly #byId = new Map<string, RecentEvent>();

  constructor(options: { readonly max?: number; readonly payloads: boolean }) {
    this.#max = options.max ?? RECENT_MAX;
    this.#payloads = options.payloads;
  }

  /** Called after a sink accepted a batch (only the batch's last few matter). */
  written(sink: string, batch: readonly SinkRecord[], now: number): void {
    for (const r of batch.slice(-this.#max)) {
      const e = r.event.event;
      const id = eventKey(r.event); // an event without `id` (threat hunting incidents): its derived key
      const known = this.#byId.get(id);
      if (known !== undefined) {
        if (!known.sinks.includes(sink)) known.sinks.push(sink);
        continue;
      }
      const ts = typeof e.timestamp === 'number' ? e.timestamp * 1000 : Date.parse(e.date);
      this.#byId.set(id, {
        id,
        time: Number.isNaN(ts) ? undefined : ts,
        writtenAt: now,
        type: e.event_type,
        summary: summaryOf(e),
        sinks: [sink],
        ...(this.#payloads ? { payload: r.event.raw.toString('utf8').slice(0, PAYLOAD_MAX) } : {}),
      });
      if (this.#byId.size > this.#max) {
        const oldest = this.#byId.keys().next().value;
        if (oldest !== undefined) this.#byId.delete(oldest);
      }
    }
  }

  /** newest first */
  list(): RecentEvent[] {
    return [...this.#byId.values()].reverse().map((e) => ({ ...e, sinks: [...e.sinks] }));
  }
}
