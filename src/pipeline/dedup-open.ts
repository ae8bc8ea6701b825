import { SqliteDedupStore } from './dedup.js';
import type { DedupStore } from './dedup-store.js';
import { DEFAULT_DEDUP_TTL_HOURS, DEFAULT_DEDUP_WINDOW_SIZE, type DedupOptions } from './types.js';

/**
 * Opens the dedup store `options` name: the SQLite file at `path`, or — with `postgres` — the
 * shared PostgreSQL table under its scope (loaded on demand, so a run without it loads no pg).
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
  if (options.postgres === undefined) return new SqliteDedupStore({ path: options.path, ...window });
  const { PostgresDedupStore } = await import('./dedup-postgres.js');
  return PostgresDedupStore.open({ ...options.postgres, ...window });
}
