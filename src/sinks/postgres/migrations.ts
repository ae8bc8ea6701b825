import type { PoolClient } from 'pg';
import { qualified, quoteIdent, type TableRef } from './sql.js';

/**
 * Versioned, idempotent schema migrations, run by `start()` in one transaction under an
 * advisory lock (two daemons starting together do not race). Applied versions are recorded
 * per target table in `<schema>.ampstream_schema_migrations`. Never edit a released
 * migration: add a new version.
 */

export const MIGRATIONS_TABLE = 'ampstream_schema_migrations';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (t: TableRef) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events table keyed by event id, with indexed columns',
    statements: (t) => {
      const table = qualified(t);
      const idx = (col: string): string => quoteIdent(`${t.table}_${col}_idx`);
      return [
        `CREATE TABLE IF NOT EXISTS ${table} (
          event_id       numeric(20, 0) PRIMARY KEY,
          event_time     timestamptz    NOT NULL,
          event_type_id  bigint         NOT NULL,
          event_type     text           NOT NULL,
          severity       text,
          hostname       text,
          connector_guid text,
          group_guids    text[]         NOT NULL DEFAULT '{}',
          payload        jsonb          NOT NULL,
          received_at    timestamptz    NOT NULL DEFAULT now()
        )`,
        `CREATE INDEX IF NOT EXISTS ${idx('event_time')} ON ${table} (event_time)`,
        `CREATE INDEX IF NOT EXISTS ${idx('event_type_id')} ON ${table} (event_type_id, event_time)`,
        `CREATE INDEX IF NOT EXISTS ${idx('hostname')} ON ${table} (hostname, event_time)`,
        `CREATE INDEX IF NOT EXISTS ${idx('connector_guid')} ON ${table} (connector_guid, event_time)`,
        `CREATE INDEX IF NOT EXISTS ${idx('severity')} ON ${table} (severity)`,
        `CREATE INDEX IF NOT EXISTS ${idx('group_guids')} ON ${table} USING gin (group_guids)`,
        `CREATE INDEX IF NOT EXISTS ${idx('received_at')} ON ${table} (received_at)`,
      ];
    },
  },
];

/** Applies every migration not yet recorded for `t`; returns the versions applied now. */
export async function migrate(client: PoolClient, t: TableRef): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ampstream:${t.schema}.${t.table}`]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [t.schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(t.schema)}`);
    const log = qualified({ schema: t.schema, table: MIGRATIONS_TABLE });
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${log} (
        target text NOT NULL, version integer NOT NULL, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (target, version))`,
    );
    // the table itself gone (dropped by hand): start its history again rather than fail forever
    const table = await client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [qualified(t)]);
    if (table.rows[0]?.oid === null) await client.query(`DELETE FROM ${log} WHERE target = $1`, [t.table]);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${log} WHERE target = $1`, [
      t.table,
    ]);
    const have = new Set(done.rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      for (const sql of m.statements(t)) await client.query(sql);
      await client.query(`INSERT INTO ${log} (target, version, name) VALUES ($1, $2, $3)`, [
        t.table,
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
