import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAmpError, type AmpError } from '../../../src/errors.js';
import type { Format } from '../../../src/formats/types.js';
import { postgresOptionsSchema, type PostgresSinkOptions } from '../../../src/sinks/postgres/config.js';
import { MIGRATIONS_TABLE } from '../../../src/sinks/postgres/migrations.js';
import { PostgresSink } from '../../../src/sinks/postgres/sink.js';
import { insertSql } from '../../../src/sinks/postgres/sql.js';
import type { SinkRecord } from '../../../src/sinks/types.js';
import { testContext } from '../http/support/context.js';
import { TcpProxy } from '../http/support/net.js';
import { idsOf, makeRecords, textFormat } from '../http/support/records.js';
import { PG } from '../../helpers/services.js';

const schema = `ampstream_t_${randomBytes(5).toString('hex')}`;
let admin: pg.Client;
let nextOffset = 0;
const open: { close(): Promise<void> }[] = [];

function records(n: number, format?: Format): SinkRecord[] {
  const out = makeRecords(n, format, { offset: nextOffset });
  nextOffset += n;
  return out;
}

function sink(options: Partial<PostgresSinkOptions> = {}, format?: Format) {
  const o = postgresOptionsSchema.parse({ type: 'postgres', ...PG, schema, ...options });
  const s = new PostgresSink(o, testContext('pg-test', format ? { format } : {}));
  open.push(s);
  return s;
}

async function rejection(p: Promise<unknown>): Promise<AmpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAmpError(e)) throw new Error(`expected an AmpError, got ${String(e)}`);
  return e;
}

/** The ids stored for `batch`, as decimal strings (numeric → text: exact). */
async function storedIds(table: string, batch: readonly SinkRecord[]): Promise<string[]> {
  const r = await admin.query<{ id: string }>(
    `SELECT event_id::text AS id FROM "${schema}"."${table}" WHERE event_id = ANY($1::numeric[]) ORDER BY event_id`,
    [idsOf(batch)],
  );
  return r.rows.map((x) => x.id);
}

/** Waits until a backend with this application_name is blocked on a lock; returns its pid. */
async function waitForLockedBackend(app: string): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const r = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [app],
    );
    if (r.rows[0] !== undefined) return r.rows[0].pid;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`no backend of ${app} ever waited on a lock`);
}

/** A transaction that holds an uncommitted row with this event id: our INSERT waits on it. */
async function blockId(table: string, id: string): Promise<pg.Client> {
  const c = new pg.Client(PG);
  await c.connect();
  await c.query('BEGIN');
  await c.query(
    `INSERT INTO "${schema}"."${table}" (event_id, event_time, event_type_id, event_type, payload) VALUES ($1, now(), 1, 'x', '{}')`,
    [id],
  );
  return c;
}

beforeAll(async () => {
  admin = new pg.Client(PG);
  await admin.connect();
});
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

describe('postgres sink', () => {
  it('creates schema, table and indexes on start, recording the migration once', async () => {
    const s = sink({ table: 'ev_migrate' });
    await s.start();
    await s.close();
    await sink({ table: 'ev_migrate' }).start(); // idempotent
    const log = await admin.query(
      `SELECT target, version FROM "${schema}".${MIGRATIONS_TABLE} WHERE target = 'ev_migrate'`,
    );
    expect(log.rows).toEqual([{ target: 'ev_migrate', version: 1 }]);
    const idx = await admin.query<{ indexname: string }>(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [schema, 'ev_migrate'],
    );
    expect(idx.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['ev_migrate_pkey', 'ev_migrate_event_time_idx', 'ev_migrate_group_guids_idx']),
    );
  });

  it('runs migrations safely when two sinks start at once', async () => {
    await Promise.all([sink({ table: 'ev_race' }).start(), sink({ table: 'ev_race' }).start()]);
    const log = await admin.query(
      `SELECT version FROM "${schema}".${MIGRATIONS_TABLE} WHERE target = 'ev_race'`,
    );
    expect(log.rowCount).toBe(1);
  });

  it('stores one row per event with exact ids, indexed columns and the json payload', async () => {
    const s = sink({ table: 'ev_rows' });
    await s.start();
    const batch = records(250);
    await s.write(batch);
    expect(await storedIds('ev_rows', batch)).toEqual(idsOf(batch));
    const e = batch[5]!.event.event;
    const row = await admin.query(
      `SELECT event_time, event_type_id, event_type, severity, hostname, connector_guid, group_guids,
              payload->>'event_type' AS pt, (payload->'id')::text AS pid, received_at
       FROM "${schema}".ev_rows WHERE event_id = $1`,
      [e.id],
    );
    const r = row.rows[0] as Record<string, unknown>;
    expect((r['event_time'] as Date).toISOString()).toBe('2023-11-14T22:13:25.005Z');
    expect(r['event_type_id']).toBe(String(e.event_type_id)); // bigint comes back as text
    expect(r['event_type']).toBe(e.event_type);
    expect(r['severity']).toBe(e.severity);
    expect(r['hostname']).toBe(e.computer?.hostname);
    expect(r['connector_guid']).toBe(e.connector_guid);
    expect(r['group_guids']).toEqual(e.group_guids);
    expect(r['pt']).toBe(e.event_type);
    expect(r['pid']).toBe(e.id); // jsonb keeps the number exactly
    expect(r['received_at']).toBeInstanceOf(Date);
  });

  it('stores the original event JSON as payload for text formats (cef)', async () => {
    const s = sink({ table: 'ev_text' }, textFormat);
    await s.start();
    const batch = records(3, textFormat);
    await s.write(batch);
    const r = await admin.query(
      `SELECT (payload->'id')::text AS id FROM "${schema}".ev_text ORDER BY event_id`,
    );
    expect(r.rows.map((x: { id: string }) => x.id)).toEqual(idsOf(batch));
  });

  it('skips redelivered events (same id) instead of failing or duplicating', async () => {
    const s = sink({ table: 'ev_dup' });
    await s.start();
    const batch = records(20);
    await s.write(batch);
    await s.write([...batch, ...batch.slice(0, 5)]);
    const r = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".ev_dup`);
    expect(r.rows[0]).toEqual({ n: 20 });
  });

  it('chunks a large batch to stay under the 65535-parameter limit, in one transaction', async () => {
    const s = sink({ table: 'ev_big', chunkRows: 7281 });
    await s.start();
    const batch = records(8000);
    await s.write(batch);
    expect(await storedIds('ev_big', batch)).toHaveLength(8000);
    expect(insertSql({ schema: 's', table: 't' }, 7281)).toContain('$65529)');
  });

  it('rejects for good (SINK_REJECTED) a batch PostgreSQL refuses as invalid data', async () => {
    const broken: Format = { name: 'raw', kind: 'json', render: () => '{"not json' };
    const s = sink({ table: 'ev_bad' }, broken);
    await s.start();
    const e = await rejection(s.write(records(3, broken)));
    expect(e.code).toBe('SINK_REJECTED');
    expect(e.retryable).toBe(false);
    expect(e.details['sqlstate']).toBe('22P02');
  });

  it('refuses a wrong password as SINK_AUTH without leaking it', async () => {
    const ctx = testContext('pg-auth', { env: { PGPW: 'hunter2-secret' } });
    const o = postgresOptionsSchema.parse({
      type: 'postgres',
      ...PG,
      user: 'no_such_user_x',
      password: 'env:PGPW',
      schema,
    });
    const s = new PostgresSink(o, ctx);
    open.push(s);
    const e = await rejection(s.start());
    expect(e.code).toBe('SINK_AUTH');
    expect(e.retryable).toBe(false);
    expect(JSON.stringify(e.toJSON()) + ctx.logLines.join('')).not.toContain('hunter2-secret');
  });

  it('re-creates a table dropped under it and delivers on the retry', async () => {
    const s = sink({ table: 'ev_dropped' });
    await s.start();
    await admin.query(`DROP TABLE "${schema}".ev_dropped`);
    const batch = records(10);
    const e = await rejection(s.write(batch));
    expect(e.retryable).toBe(true);
    await s.write(batch);
    expect(await storedIds('ev_dropped', batch)).toEqual(idsOf(batch));
  });

  it('refuses plain passwords in the config', () => {
    expect(postgresOptionsSchema.safeParse({ type: 'postgres', password: 'pw' }).success).toBe(false);
    expect(
      postgresOptionsSchema.safeParse({ type: 'postgres', connectionString: 'postgres://u:pw@h/db' }).success,
    ).toBe(false);
    expect(
      postgresOptionsSchema.safeParse({
        type: 'postgres',
        connectionString: 'postgres://u@h/db',
        password: 'env:X',
      }).success,
    ).toBe(true);
  });
});

describe('postgres sink faults', () => {
  it('fails retryably while PostgreSQL is unreachable at start, then migrates and delivers', async () => {
    const proxy = new TcpProxy({ host: PG.host, port: PG.port });
    await proxy.up();
    const port = proxy.port;
    await proxy.down();
    const s = sink({ table: 'ev_down', port, connectTimeoutMs: 2000 });
    const e = await rejection(s.start());
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    const batch = records(30);
    expect((await rejection(s.write(batch))).retryable).toBe(true);
    const up = new TcpProxy({ host: PG.host, port: PG.port }, port);
    await up.up();
    try {
      await s.write(batch); // migrations first, then the insert
      expect(await storedIds('ev_down', batch)).toEqual(idsOf(batch));
    } finally {
      await s.close();
      await up.down();
    }
  });

  it('rejects retryably when its backend is terminated mid-batch; nothing half-written; the retry stores all', async () => {
    const app = `ampstream-test-${randomBytes(4).toString('hex')}`;
    const s = sink({ table: 'ev_kill', applicationName: app, chunkRows: 100 });
    await s.start();
    const batch = records(1000);
    const blocker = await blockId('ev_kill', batch[550]!.event.event.id!); // chunk 6 of 10 waits here
    try {
      const pending = rejection(s.write(batch));
      const pid = await waitForLockedBackend(app);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const e = await pending;
      expect(e.retryable).toBe(true);
      expect(await storedIds('ev_kill', batch)).toEqual([]); // chunks 1-5 rolled back with the rest
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await s.write(batch);
    expect(await storedIds('ev_kill', batch)).toEqual([...idsOf(batch)].sort());
  });

  it('times out retryably (statement_timeout) when the insert is stuck, then delivers', async () => {
    const s = sink({ table: 'ev_slow', statementTimeoutMs: 500 });
    await s.start();
    const batch = records(50);
    const blocker = await blockId('ev_slow', batch[10]!.event.event.id!);
    try {
      const e = await rejection(s.write(batch));
      expect(e.code).toBe('SINK_TIMEOUT');
      expect(e.retryable).toBe(true);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await s.write(batch);
    expect(await storedIds('ev_slow', batch)).toHaveLength(50);
  });
});
