import type { DedupStore } from './dedup-store.js';
import { DEFAULT_DEDUP_TTL_HOURS, DEFAULT_DEDUP_WINDOW_SIZE, type DedupOptions } from './types.js';

/**
 * Opens the dedup store `options` name: the SQLite file at `path`, or — with `postgres` — the
 * shared PostgreSQL table under its scope. Either store loads on demand: a run without dedup
 * loads neither better-sqlite3 (a native addon) and lru-cache nor pg.
 * The pipeline and the backfill open their stores here, so both read the same ids.
 */
export async function openDedupStore(
  options: DedupOptions,
  now: () => number = Date.now,
): Promise<DedupStore> {
  const window = {
    windowSize: options.windowSize ?? DEFAULT_DEDUP_WINDOW_SIZE,
    ttlHours: options.ttlHours ?? DEFAULT_DEDUP_TTL_HOURS,
    now,
  };
  if (options.postgres === undefined) {
    const { SqliteDedupStore } = await import('./dedup.js');
    return new SqliteDedupStore({ path: options.path, ...window });
  }
  const { PostgresDedupStore } = await import('./dedup-postgres.js');
  return PostgresDedupStore.open({ ...options.postgres, ...window });
}
