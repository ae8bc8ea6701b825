import type { Logger } from 'pino';
import type { RunStateStore } from '../pipeline/run-state.js';
import type { SinkRecord } from '../sinks/types.js';

/** (default=1000) how often the newest delivered event time is written to the run-state store, in ms */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Keeps "the newest event delivered" of a run in the run-state store (docs/backfill.md), per
 * organisation, from the batches the sinks accepted for that organisation's streams: the last
 * record of each batch is looked at (one event decoded per batch, not per event), the newest
 * time per organisation is kept in memory and written at most once a second and on close, so
 * the hot path never waits for the store (SQLite or PostgreSQL). A failed write is logged and
 * tried again at the next flush.
 */
export class RunStateRecorder {
  readonly #store: RunStateStore;
  /** scope (organisation) → newest event time seen, and written */
  readonly #newest = new Map<string, number>();
  readonly #written = new Map<string, number>();
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;
  readonly #log: Logger | undefined;

  constructor(store: RunStateStore, logger?: Logger) {
    this.#store = store;
    this.#log = logger;
    this.#timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** A batch written for `scope` (the organisation of the stream, or of the backfill). */
  record(scope: string, batch: readonly SinkRecord[]): void {
    const last = batch[batch.length - 1];
    if (last === undefined) return;
    const t = last.event.event.timestamp;
    if (t > (this.#newest.get(scope) ?? 0)) this.#newest.set(scope, t);
  }

  /** Write the times that moved; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      for (const [scope, newest] of this.#newest) {
        if (newest <= (this.#written.get(scope) ?? 0)) continue;
        try {
          await this.#store.recordDelivered(scope, newest);
          this.#written.set(scope, newest);
        } catch (e) {
          this.#log?.warn(
            { err: (e as Error).message, org: scope },
            'run state: cannot record the last delivery',
          );
        }
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
