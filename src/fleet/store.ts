import pg from 'pg';
import { AmpError } from '../errors.js';
import type { HeldLease, LeaseKey } from './types.js';

const ignore = (): void => undefined;

export interface LeaseStoreOptions {
  /** postgres://user:password@host:port/database (secret: holds the password) */
  readonly url: string;
  /** schema of the two tables; created if missing */
  readonly schema: string;
  /** client-side limit on one query, in ms (a hung server must not hang the renewals) */
  readonly queryTimeoutMs: number;
  /** shows in pg_stat_activity */
  readonly applicationName?: string;
}

/** A lease row as every replica sees it. */
export interface LeaseRow extends HeldLease {
  readonly holder: string | null;
  /** still inside its lease period, by the database's clock */
  readonly live: boolean;
}

/**
 * The lease table and the replica heartbeat table in PostgreSQL (docs/leases.md). Every time is
 * the database's clock (`now()`), so replicas on machines whose clocks disagree still agree on
 * when a lease expires. Acquisition is one `INSERT … ON CONFLICT DO UPDATE … WHERE expired`:
 * of two replicas racing for a free stream, exactly one gets a row back; the term rises by one
 * at each acquisition and every renewal names it (fencing: a replica that lost a lease cannot
 * renew it back, even under the same id).
 */
export class LeaseStore {
  readonly #pool: pg.Pool;
  readonly #leases: string;
  readonly #replicas: string;
  readonly #schema: string;

  constructor(o: LeaseStoreOptions) {
    if (!/^[a-z_][a-z0-9_]{0,39}$/.test(o.schema))
      throw new AmpError(
        'CONFIG_INVALID',
        `replicas.schema: "${o.schema}" is not a plain lower-case identifier`,
      );
    this.#schema = o.schema;
    this.#leases = `${o.schema}.ampstream_leases`;
    this.#replicas = `${o.schema}.ampstream_replicas`;
    this.#pool = new pg.Pool({
      connectionString: o.url,
      max: 2,
      connectionTimeoutMillis: o.queryTimeoutMs,
      query_timeout: o.queryTimeoutMs,
      statement_timeout: o.queryTimeoutMs,
      application_name: o.applicationName ?? 'ampstream replica',
    });
    this.#pool.on('error', ignore); // an idle client lost: the next query opens another
  }

  /** Create the schema and tables if missing (serialised between replicas by an advisory lock). */
  async migrate(): Promise<void> {
    const c = await this.#connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('ampstream fleet migrations'))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#leases} (
        org text NOT NULL,
        stream text NOT NULL,
        holder text,
        term bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org, stream))`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#replicas} (
        id text PRIMARY KEY,
        seen_at timestamptz NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now())`);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(ignore);
      throw storeError('cannot create the lease tables', e);
    } finally {
      c.release();
    }
  }

  /** This replica is alive; returns how many replicas are (heartbeat within `liveMs`). */
  async heartbeat(replica: string, liveMs: number): Promise<number> {
    const r = await this.#query<{ n: string }>(
      `WITH beat AS (
         INSERT INTO ${this.#replicas} (id, seen_at) VALUES ($1, now())
         ON CONFLICT (id) DO UPDATE SET seen_at = now())
       SELECT count(*) + CASE WHEN bool_or(id = $1) THEN 0 ELSE 1 END AS n FROM ${this.#replicas}
       WHERE seen_at > now() - $2 * interval '1 millisecond'`,
      [replica, liveMs],
    );
    return Number(r[0]?.n ?? 1);
  }

  /** This replica is leaving: the others stop counting it at once. */
  async leave(replica: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#replicas} WHERE id = $1`, [replica]);
  }

  /** The term of the new lease, or undefined when another replica holds a live one. */
  async acquire(key: LeaseKey, replica: string, leaseMs: number): Promise<number | undefined> {
    const r = await this.#query<{ term: string }>(
      `INSERT INTO ${this.#leases} AS l (org, stream, holder, term, expires_at, acquired_at)
       VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond', now())
       ON CONFLICT (org, stream) DO UPDATE
         SET holder = EXCLUDED.holder, term = l.term + 1, expires_at = EXCLUDED.expires_at, acquired_at = now()
         WHERE l.expires_at <= now()
       RETURNING term`,
      [key.org, key.stream, replica, leaseMs],
    );
    return r[0] === undefined ? undefined : Number(r[0].term);
  }

  /** Extend every lease in `held` that is still this replica's at that term; returns those. */
  async renew(replica: string, held: readonly HeldLease[], leaseMs: number): Promise<HeldLease[]> {
    if (held.length === 0) return [];
    const r = await this.#query<{ org: string; stream: string; term: string }>(
      `UPDATE ${this.#leases} AS l SET expires_at = now() + $2 * interval '1 millisecond'
       FROM unnest($3::text[], $4::text[], $5::bigint[]) AS h(org, stream, term)
       WHERE l.holder = $1 AND l.org = h.org AND l.stream = h.stream AND l.term = h.term
         AND l.expires_at > now()
       RETURNING l.org, l.stream, l.term`,
      [
        replica,
        leaseMs,
        held.map((h) => h.key.org),
        held.map((h) => h.key.stream),
        held.map((h) => String(h.term)),
      ],
    );
    return r.map((x) => ({ key: { org: x.org, stream: x.stream }, term: Number(x.term) }));
  }

  /** Give a lease up (its consumer is closed): any replica may take it at once. */
  async release(replica: string, lease: HeldLease): Promise<void> {
    await this.#query(
      `UPDATE ${this.#leases} SET expires_at = now() - interval '1 millisecond'
       WHERE org = $1 AND stream = $2 AND holder = $3 AND term = $4`,
      [lease.key.org, lease.key.stream, replica, lease.term],
    );
  }

  /** Every lease row of these streams (missing rows: never held). */
  async rows(keys: readonly LeaseKey[]): Promise<LeaseRow[]> {
    const r = await this.#query<{
      org: string;
      stream: string;
      holder: string | null;
      term: string;
      live: boolean;
    }>(
      `SELECT l.org, l.stream, l.holder, l.term, l.expires_at > now() AS live
       FROM ${this.#leases} l JOIN unnest($1::text[], $2::text[]) AS k(org, stream)
         ON l.org = k.org AND l.stream = k.stream`,
      [keys.map((k) => k.org), keys.map((k) => k.stream)],
    );
    return r.map((x) => ({
      key: { org: x.org, stream: x.stream },
      holder: x.holder,
      term: Number(x.term),
      live: x.live,
    }));
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(ignore);
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      const c = await this.#pool.connect();
      c.on('error', ignore);
      return c;
    } catch (e) {
      throw storeError('cannot connect to the lease store', e);
    }
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[]): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(sql, params as unknown[])).rows;
    } catch (e) {
      throw storeError('lease store query failed', e);
    }
  }
}

function storeError(what: string, e: unknown): AmpError {
  return new AmpError('LEASE_STORE', `${what}: ${(e as Error).message}`, {
    cause: e,
    retryable: true,
    hint: 'check replicas.url (PostgreSQL reachable, the user may create a schema and tables); leases are renewed again on the next tick',
  });
}
