import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { AmpError } from '../errors.js';
import type { DedupStore } from './dedup-store.js';

/** (default=50_000) ids kept in memory in front of PostgreSQL, by count. */
const LRU_MAX_IDS = 50_000;
/** (default=10_000) client-side limit on one query, in ms. */
const QUERY_TIMEOUT_MS = 10_000;
const ignore = (): void => undefined;

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
    this.#pool = new pg.Pool({
      connectionString: o.url,
      max: 2,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      application_name: 'ampstream dedup',
    });
    this.#pool.on('error', ignore);
    this.#lru = new LRUCache<string, true>({ max: Math.max(1, Math.min(LRU_MAX_IDS, o.windowSize)) });
  }

  /** Connect and create the schema and table if missing. */
  static async open(o: PostgresDedupStoreOptions): Promise<PostgresDedupStore> {
    if (!/^[a-z_][a-z0-9_]{0,39}$/.test(o.schema))
      throw new AmpError(
        'CONFIG_INVALID',
        `dedup.schema: "${o.schema}" is not a plain lower-case identifier`,
      );
    const s = new PostgresDedupStore(o);
    let c: pg.PoolClient | undefined;
    try {
      c = await s.#pool.connect();
      c.on('error', ignore);
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('ampstream dedup migrations'))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${o.schema}`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${s.#table} (scope text NOT NULL, id text NOT NULL, at bigint NOT NULL, PRIMARY KEY (scope, id))`,
      );
      await c.query(`CREATE INDEX IF NOT EXISTS ampstream_dedup_at ON ${s.#table} (scope, at)`);
      await c.query('COMMIT');
    } catch (e) {
      await c?.query('ROLLBACK').catch(ignore);
      c?.release();
      c = undefined;
      await s.#pool.end().catch(ignore);
      throw new AmpError(
        'DEDUP_STORE',
        `cannot open the dedup store in PostgreSQL: ${(e as Error).message}`,
        {
          cause: e,
          hint: 'check dedup.url (PostgreSQL reachable, the user may create a schema and a table), or use dedup.store: sqlite',
        },
      );
    } finally {
      c?.release();
    }
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
