import { afterAll, describe, expect, it } from 'vitest';
import { PostgresRunStateStore } from '../../src/pipeline/run-state-postgres.js';
import { PG_URL, usePgSchemas } from '../helpers/pg-schemas.js';
import { PG } from '../helpers/services.js';

/** The run state in PostgreSQL (replicas share it) against a real PostgreSQL, in a schema of its own. */
const pgs = usePgSchemas('ampstream_runstate');
const schema = pgs.fresh();
const url = PG_URL;
const open: PostgresRunStateStore[] = [];

afterAll(async () => {
  for (const s of open) await s.close();
});

async function replica(now: () => number = Date.now): Promise<PostgresRunStateStore> {
  const s = await PostgresRunStateStore.open({ url, schema, now });
  open.push(s);
  return s;
}

describe('the PostgreSQL run-state store', () => {
  it('shares the newest delivered event time per organisation between replicas, never moving it back', async () => {
    const a = await replica(() => 1000);
    const b = await replica(() => 2000);
    await a.recordDelivered('acme', 200);
    await b.recordDelivered('acme', 150); // older, from another replica: ignored
    await b.recordDelivered('globex', 50);
    await Promise.all([a.recordDelivered('globex', 70), b.recordDelivered('globex', 60)]);
    expect(await b.lastDelivered('acme')).toEqual({ eventTime: 200, recordedAt: 1000 });
    expect((await a.lastDelivered('globex'))?.eventTime).toBe(70);
    expect(await a.lastDelivered('initech')).toBeUndefined();
  });

  it('lets another replica resume a backfill from the checkpoint the first one saved', async () => {
    const a = await replica();
    const b = await replica();
    const c = { key: 'job-1', since: 10, until: 20, offset: 0, delivered: 0, complete: false, updatedAt: 1 };
    await a.saveCheckpoint(c);
    expect(await b.checkpoint('job-1')).toEqual(c);
    await a.saveCheckpoint({ ...c, offset: 500, delivered: 480, oldestDone: 12, updatedAt: 2 });
    expect(await b.checkpoint('job-1')).toEqual({
      ...c,
      offset: 500,
      delivered: 480,
      oldestDone: 12,
      updatedAt: 2,
    });
    await b.saveCheckpoint({
      ...c,
      offset: 700,
      delivered: 650,
      oldestDone: 11,
      complete: true,
      updatedAt: 3,
    });
    expect((await a.checkpoint('job-1'))?.complete).toBe(true);
    expect(await a.checkpoint('other')).toBeUndefined();
  });

  it('lets one replica at a time run under a name (backfill on start), the other waiting for it', async () => {
    const a = await replica();
    const b = await replica();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = a.exclusive('backfill:acme', async () => {
      order.push('a in');
      entered();
      await gate;
      order.push('a out');
    });
    await inside;
    const second = b.exclusive('backfill:acme', async () => {
      order.push('b in');
    });
    const other = b.exclusive('backfill:globex', async () => {
      order.push('globex');
    });
    await other; // another organisation does not wait
    expect(order).toEqual(['a in', 'globex']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a in', 'globex', 'a out', 'b in']);
  });

  it('refuses a schema that is not a plain identifier, and names the store when PostgreSQL cannot be reached', async () => {
    await expect(PostgresRunStateStore.open({ url, schema: 'x; drop' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(
      PostgresRunStateStore.open({ url: `postgres://${PG.user}@${PG.host}:1/${PG.database}`, schema }),
    ).rejects.toMatchObject({ code: 'DEDUP_STORE' });
  });
});
