import pg from 'pg';
import { AmpError } from '../errors.js';
import { checkSchemaName, ensureSchema, ignore, openPool } from './pg-schema.js';
import type { BackfillCheckpoint, LastDelivered, RunStateStore } from './run-state.js';

/** (default=10_000) client-side limit on one query, in ms. */
/** (default=1000) how often a waiting replica asks for the lock again, in ms */
const LOCK_POLL_MS = 1000;

export interface PostgresRunStateStoreOptions {
  /** postgres://user:password@host:port/database (secret: holds the password) */
  readonly url: string;
  /** schema of the tables (created if missing): the dedup store's */
  readonly schema: string;
  /** (default=Date.now) ms */
  readonly now?: () => number;
}

interface CheckpointRow {
  key: string;
  since: string;
  until: string;
  offset: string;
  delivered: string;
  oldest_done: string | null;
  complete: boolean;
  updated_at: string;
}

/**
 * The run state in PostgreSQL (docs/backfill.md), for replicas: two tables next to the shared
 * dedup table, `<schema>.ampstream_last_delivered (scope, event_time, recorded_at)` and
 * `<schema>.ampstream_backfill_checkpoint`, the same columns as the SQLite file. Whichever
 * replica recorded the last delivery, or paged a backfill before it died, the next one to
 * start reads it. Writes are single statements: the newest event time wins in the UPDATE
 * itself, so replicas recording at once never move it back.
 */
export class PostgresRunStateStore implements RunStateStore {
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #now: () => number;

  private constructor(o: PostgresRunStateStoreOptions) {
    this.#url = o.url;
    this.#schema = o.schema;
    this.#now = o.now ?? Date.now;
    this.#pool = openPool(o.url, 1, 'ampstream run state');
  }

  /** Connect and create the schema and tables if missing. */
  static async open(o: PostgresRunStateStoreOptions): Promise<PostgresRunStateStore> {
    checkSchemaName(o.schema, 'schema');
    const s = new PostgresRunStateStore(o);
    await ensureSchema(
      s.#pool,
      o.schema,
      'ampstream run state migrations',
      [
        `CREATE TABLE IF NOT EXISTS ${o.schema}.ampstream_last_delivered (scope text PRIMARY KEY,
           event_time bigint NOT NULL, recorded_at bigint NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS ${o.schema}.ampstream_backfill_checkpoint (key text PRIMARY KEY,
           since bigint NOT NULL, until bigint NOT NULL, "offset" bigint NOT NULL, delivered bigint NOT NULL,
           oldest_done bigint, complete boolean NOT NULL, updated_at bigint NOT NULL)`,
      ],
      (e) =>
        new AmpError(
          'DEDUP_STORE',
          `cannot open the run-state store in PostgreSQL: ${(e as Error).message}`,
          {
            cause: e,
            hint: 'check dedup.url (PostgreSQL reachable, the user may create a schema and tables)',
          },
        ),
    );
    return s;
  }

  async lastDelivered(scope: string): Promise<LastDelivered | undefined> {
    const r = await this.#pool.query<{ event_time: string; recorded_at: string }>(
      `SELECT event_time, recorded_at FROM ${this.#schema}.ampstream_last_delivered WHERE scope = $1`,
      [scope],
    );
    const row = r.rows[0];
    return row === undefined
      ? undefined
      : { eventTime: Number(row.event_time), recordedAt: Number(row.recorded_at) };
  }

  async recordDelivered(scope: string, eventTime: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.ampstream_last_delivered AS t (scope, event_time, recorded_at) VALUES ($1, $2, $3)
       ON CONFLICT (scope) DO UPDATE SET event_time = excluded.event_time, recorded_at = excluded.recorded_at
       WHERE excluded.event_time >= t.event_time`,
      [scope, Math.floor(eventTime), this.#now()],
    );
  }

  async checkpoint(key: string): Promise<BackfillCheckpoint | undefined> {
    const r = await this.#pool.query<CheckpointRow>(
      `SELECT * FROM ${this.#schema}.ampstream_backfill_checkpoint WHERE key = $1`,
      [key],
    );
    const row = r.rows[0];
    if (row === undefined) return undefined;
    return {
      key: row.key,
      since: Number(row.since),
      until: Number(row.until),
      offset: Number(row.offset),
      delivered: Number(row.delivered),
      ...(row.oldest_done === null ? {} : { oldestDone: Number(row.oldest_done) }),
      complete: row.complete,
      updatedAt: Number(row.updated_at),
    };
  }

  async saveCheckpoint(c: BackfillCheckpoint): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.ampstream_backfill_checkpoint
         (key, since, until, "offset", delivered, oldest_done, complete, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (key) DO UPDATE SET since = excluded.since, until = excluded.until, "offset" = excluded."offset",
         delivered = excluded.delivered, oldest_done = excluded.oldest_done, complete = excluded.complete,
         updated_at = excluded.updated_at`,
      [c.key, c.since, c.until, c.offset, c.delivered, c.oldestDone ?? null, c.complete, c.updatedAt],
    );
  }

  /**
   * A session advisory lock on `ampstream run state:<name>`, on a connection of its own held for
   * the whole of `fn` (no query timeout on it): another replica waits, polling, until this one is
   * done; a replica that dies loses its connection and the lock with it, and the next one in line
   * goes on.
   */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.#url, application_name: 'ampstream run state lock' });
    c.on('error', ignore);
    const key = `ampstream run state:${name}`;
    try {
      await c.connect();
      for (;;) {
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
        if (r.rows[0]?.ok === true) break;
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    } catch (e) {
      await c.end().catch(ignore);
      throw new AmpError(
        'DEDUP_STORE',
        `cannot take the lock ${name} in PostgreSQL: ${(e as Error).message}`,
        {
          cause: e,
          hint: 'check dedup.url (or replicas.url): PostgreSQL must be reachable',
        },
      );
    }
    try {
      return await fn();
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(ignore);
      await c.end().catch(ignore);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(ignore);
  }
}
