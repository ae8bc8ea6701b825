import pg from 'pg';
import { AmpError } from '../errors.js';

/**
 * What the PostgreSQL stores of the pipeline (dedup, run state) share: a small pool with
 * timeouts, and the creation of their schema and tables, serialised between replicas that start
 * at once by a transaction-scoped advisory lock.
 */

/** (default=10_000) connect and query timeout, in ms */
export const PG_QUERY_TIMEOUT_MS = 10_000;

export const ignore = (): void => undefined;

/** `schema` is spliced into SQL: only a plain lower-case identifier is accepted. */
export function checkSchemaName(schema: string, setting: string): void {
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema))
    throw new AmpError('CONFIG_INVALID', `${setting}: "${schema}" is not a plain lower-case identifier`);
}

export function openPool(url: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: PG_QUERY_TIMEOUT_MS,
    query_timeout: PG_QUERY_TIMEOUT_MS,
    application_name: applicationName,
  });
  pool.on('error', ignore);
  return pool;
}

/**
 * Create `schema` and run `statements` (CREATE … IF NOT EXISTS) in one transaction under the
 * advisory lock `lockName`. On failure the pool is ended and `failure(e)` is thrown.
 */
export async function ensureSchema(
  pool: pg.Pool,
  schema: string,
  lockName: string,
  statements: readonly string[],
  failure: (e: unknown) => AmpError,
): Promise<void> {
  let c: pg.PoolClient | undefined;
  try {
    c = await pool.connect();
    c.on('error', ignore);
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const sql of statements) await c.query(sql);
    await c.query('COMMIT');
  } catch (e) {
    await c?.query('ROLLBACK').catch(ignore);
    c?.release();
    c = undefined;
    await pool.end().catch(ignore);
    throw failure(e);
  } finally {
    c?.release();
  }
}
