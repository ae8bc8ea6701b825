/**
 * A persistent set of recently delivered event ids (docs/architecture.md, Delivery contract):
 * the pipeline asks which ids of a batch were delivered before, drops those, and remembers the
 * rest only after every route has written them, so a crash between the write and the remember
 * gives a duplicate (at least once), never a loss. Bounded by count and by age (`prune()`, on a
 * timer).
 *
 * Two stores: SQLite (`dedup.ts`, a local file, synchronous) and PostgreSQL
 * (`dedup-postgres.ts`, shared by the replicas of a fleet, so the deliveries the broker hands
 * a new lease holder after a takeover are recognised). The methods may answer synchronously;
 * the pipeline awaits them either way (once per batch, not per event).
 */
export interface DedupStore {
  /** Which of `ids` were delivered before (within the window). */
  seen(ids: readonly string[]): Set<string> | Promise<Set<string>>;
  /** These ids were written by every route. */
  remember(ids: readonly string[]): void | Promise<void>;
  /** Drop ids older than the TTL, then the oldest beyond the window size. Returns how many. */
  prune(): number | Promise<number>;
  close(): void | Promise<void>;
}
