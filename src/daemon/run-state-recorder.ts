import type { RunStateStore } from '../pipeline/run-state.js';
import type { SinkRecord } from '../sinks/types.js';

/** (default=1000) how often the newest delivered event time is written to the run-state store, in ms */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Keeps "the newest event delivered" of a run in the run-state store (docs/backfill.md), from
 * the batches the sinks accepted (`onWritten`): the last record of each batch is looked at (one
 * event decoded per batch, not per event), the newest time is kept in memory and written at
 * most once a second and on close, so the hot path never waits for SQLite.
 */
export class RunStateRecorder {
  readonly #store: RunStateStore;
  readonly #scope: string;
  #newest = 0;
  #written = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(store: RunStateStore, scope: string) {
    this.#store = store;
    this.#scope = scope;
    this.#timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  readonly onWritten = (_sink: string, batch: readonly SinkRecord[]): void => {
    const last = batch[batch.length - 1];
    if (last === undefined) return;
    const t = last.event.event.timestamp;
    if (t > this.#newest) this.#newest = t;
  };

  flush(): void {
    if (this.#newest <= this.#written) return;
    this.#store.recordDelivered(this.#scope, this.#newest);
    this.#written = this.#newest;
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
