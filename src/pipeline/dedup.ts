import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { AmpError } from '../errors.js';
import type { DedupStore } from './dedup-store.js';

/** (default=50_000) ids kept in memory in front of SQLite, by count. */
const LRU_MAX_IDS = 50_000;
/** SQLite binds at most 32766 parameters per statement (SQLITE_MAX_VARIABLE_NUMBER). */
const MAX_IN_PARAMS = 500;

export interface SqliteDedupStoreOptions {
  readonly path: string;
  /** ids kept, by count */
  readonly windowSize: number;
  /** ids kept, by age, in hours */
  readonly ttlHours: number;
  /** (default=Date.now) ms */
  readonly now?: () => number;
}

/**
 * The local dedup store (`dedup.store: sqlite`, the default), synchronous: better-sqlite3
 * in WAL mode (one table, `id TEXT PRIMARY KEY, at INTEGER`), an LRU in front for the
 * redeliveries that follow a reconnect. Bounded by count and by age (`prune()`, run on a
 * timer by the pipeline).
 *
 * Ids are remembered only after every route has written the event: a crash between write
 * and remember gives a duplicate (at least once), never a loss.
 */
export class SqliteDedupStore implements DedupStore {
  readonly #db: Database.Database;
  readonly #lru: LRUCache<string, true>;
  readonly #o: SqliteDedupStoreOptions;
  readonly #now: () => number;
  readonly #insert: Database.Statement<[string, number]>;
  readonly #insertMany: (ids: readonly string[], at: number) => void;
  readonly #selectCache = new Map<number, Database.Statement<string[], { id: string }>>();

  constructor(options: SqliteDedupStoreOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      this.#db = new Database(options.path);
      chmodSync(options.path, 0o600);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID',
      );
      this.#db.exec('CREATE INDEX IF NOT EXISTS seen_at ON seen (at)');
    } catch (e) {
      throw new AmpError(
        'DEDUP_STORE',
        `cannot open the dedup store ${options.path}: ${(e as Error).message}`,
        {
          cause: e,
          hint: 'check dedup.path (a writable directory), or turn dedup off',
        },
      );
    }
    this.#insert = this.#db.prepare('INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)');
    this.#insertMany = this.#db.transaction((ids: readonly string[], at: number) => {
      for (const id of ids) this.#insert.run(id, at);
    });
    this.#lru = new LRUCache<string, true>({ max: Math.max(1, Math.min(LRU_MAX_IDS, options.windowSize)) });
  }

  /** Which of `ids` were delivered before (within the window). */
  seen(ids: readonly string[]): Set<string> {
    const known = new Set<string>();
    const ask: string[] = [];
    for (const id of ids) {
      if (this.#lru.has(id)) known.add(id);
      else ask.push(id);
    }
    for (let i = 0; i < ask.length; i += MAX_IN_PARAMS) {
      const chunk = ask.slice(i, i + MAX_IN_PARAMS);
      for (const row of this.#select(chunk.length).all(...chunk)) known.add(row.id);
    }
    return known;
  }

  remember(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.#insertMany(ids, this.#now());
    for (const id of ids) this.#lru.set(id, true);
  }

  /** Drop ids older than the TTL, then the oldest beyond the window size. Returns how many. */
  prune(): number {
    const cutoff = this.#now() - this.#o.ttlHours * 3_600_000;
    let removed = this.#db.prepare('DELETE FROM seen WHERE at < ?').run(cutoff).changes;
    const { n } = this.#db.prepare('SELECT count(*) AS n FROM seen').get() as { n: number };
    if (n > this.#o.windowSize) {
      removed += this.#db
        .prepare('DELETE FROM seen WHERE id IN (SELECT id FROM seen ORDER BY at ASC LIMIT ?)')
        .run(n - this.#o.windowSize).changes;
    }
    return removed;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #select(n: number): Database.Statement<string[], { id: string }> {
    let st = this.#selectCache.get(n);
    if (st === undefined) {
      st = this.#db.prepare<string[], { id: string }>(
        `SELECT id FROM seen WHERE id IN (${new Array(n).fill('?').join(',')})`,
      );
      this.#selectCache.set(n, st);
    }
    return st;
  }
}
