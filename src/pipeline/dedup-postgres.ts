import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { AmpError } from '../errors.js';
import { checkSchemaName, ensureSchema, ignore, openPool } from './pg-schema.js';
import type { DedupStore } from './dedup-store.js';

/** (default=50_000) ids kept in memory in front of PostgreSQL, by count. */
const LRU_MAX_IDS = 50_000;
/** (default=10_000) client-side limit on one query, in ms. */

export interface PostgresDedupStoreOptions {
  /** postgres://user:password@host:port/database (secret: holds the password) */
  readonly url: string;
  /** schema of the table (created if missing) */
  readonly schema: string;
  /** whose ids these are: one stream (org/stream id), so streams never drop each other's events */
  readonly scope: string;
  /** ids kept, by count (per scope) */
  readonly windowSize: number;
  /** ids kept, by age, in hours */
  readonly ttlHours: number;
  /** (default=Date.now) ms */
  readonly now?: () => number;
}

/**
 * The shared dedup store (`dedup.store: postgres`): one table `<schema>.ampstream_dedup (scope,
 * id, at)`, primary key (scope, id), an index on (scope, at) for pruning. Every replica of a
 * fleet reads and writes the same rows, so when a stream moves to another replica the
 * redelivered events its old holder wrote are recognised. An LRU in front answers for the ids
 * this process remembered itself.
 */
export class PostgresDedupStore implements DedupStore {
  readonly #o: PostgresDedupStoreOptions;
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #lru: LRUCache<string, true>;
  readonly #now: () => number;

  private constructor(o: PostgresDedupStoreOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#table = `${o.schema}.ampstream_dedup`;
    this.#pool = openPool(o.url, 2, 'ampstream dedup');
    this.#lru = new LRUCache<string, true>({ max: Math.max(1, Math.min(LRU_MAX_IDS, o.windowSize)) });
  }

  /** Connect and create the schema and table if missing. */
  static async open(o: PostgresDedupStoreOptions): Promise<PostgresDedupStore> {
    checkSchemaName(o.schema, 'dedup.schema');
    const s = new PostgresDedupStore(o);
    await ensureSchema(
      s.#pool,
      o.schema,
      'ampstream dedup migrations',
      [
        `CREATE TABLE IF NOT EXISTS ${s.#table} (scope text NOT NULL, id text NOT NULL, at bigint NOT NULL, PRIMARY KEY (scope, id))`,
        `CREATE INDEX IF NOT EXISTS ampstream_dedup_at ON ${s.#table} (scope, at)`,
      ],
      (e) =>
        new AmpError('DEDUP_STORE', `cannot open the dedup store in PostgreSQL: ${(e as Error).message}`, {
          cause: e,
          hint: 'check dedup.url (PostgreSQL reachable, the user may create a schema and a table), or use dedup.store: sqlite',
        }),
    );
    return s;
  }

  async seen(ids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    const ask: string[] = [];
    for (const id of ids) {
      if (this.#lru.has(id)) known.add(id);
      else ask.push(id);
    }
    if (ask.length === 0) return known;
    const r = await this.#pool.query<{ id: string }>(
      `SELECT id FROM ${this.#table} WHERE scope = $1 AND id = ANY($2::text[])`,
      [this.#o.scope, ask],
    );
    for (const row of r.rows) known.add(row.id);
    return known;
  }

  async remember(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#pool.query(
      `INSERT INTO ${this.#table} (scope, id, at) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING`,
      [this.#o.scope, ids, this.#now()],
    );
    for (const id of ids) this.#lru.set(id, true);
  }

  async prune(): Promise<number> {
    const cutoff = this.#now() - this.#o.ttlHours * 3_600_000;
    const aged = await this.#pool.query(`DELETE FROM ${this.#table} WHERE scope = $1 AND at < $2`, [
      this.#o.scope,
      cutoff,
    ]);
    const over = await this.#pool.query(
      `DELETE FROM ${this.#table} WHERE scope = $1 AND at <= (
         SELECT at FROM ${this.#table} WHERE scope = $1 ORDER BY at DESC OFFSET $2 LIMIT 1)`,
      [this.#o.scope, this.#o.windowSize],
    );
    return (aged.rowCount ?? 0) + (over.rowCount ?? 0);
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(ignore);
  }
}
