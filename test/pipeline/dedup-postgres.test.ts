import { afterAll, describe, expect, it } from 'vitest';
import { isAmpError } from '../../src/errors.js';
import { PostgresDedupStore } from '../../src/pipeline/dedup-postgres.js';
import { PG_URL, usePgSchemas } from '../helpers/pg-schemas.js';
import { PG } from '../helpers/services.js';
import { freePort } from '../sinks/http/support/net.js';

/** The shared dedup store (dedup.store: postgres) against a real PostgreSQL, in a schema of its own. */
const pgs = usePgSchemas('ampstream_dedup');
const schema = pgs.fresh();
const url = PG_URL;
const open: PostgresDedupStore[] = [];

afterAll(async () => {
  for (const s of open) await s.close();
});

async function store(scope: string, o: { windowSize?: number; ttlHours?: number; now?: () => number } = {}) {
  const s = await PostgresDedupStore.open({ url, schema, scope, windowSize: 1000, ttlHours: 24, ...o });
  open.push(s);
  return s;
}

describe('the PostgreSQL dedup store', () => {
  it('shares what one replica remembered with another on the same stream, and keeps streams apart', async () => {
    const a = await store('default/1');
    const b = await store('default/1');
    const other = await store('default/2');
    await a.remember(['10', '11', '12']);
    expect(await b.seen(['10', '12', '13'])).toEqual(new Set(['10', '12']));
    expect(await other.seen(['10', '11'])).toEqual(new Set());
    await b.remember(['12', '13']); // remembering twice is harmless
    expect(await a.seen(['13'])).toEqual(new Set(['13']));
  });

  it('prunes by age, then the oldest beyond the window', async () => {
    let t = 1_000_000;
    const s = await store('default/prune', { windowSize: 3, ttlHours: 1, now: () => t });
    await s.remember(['1']);
    t += 2 * 3_600_000; // '1' is now older than the TTL
    for (const id of ['2', '3', '4', '5']) {
      t += 1_000;
      await s.remember([id]);
    }
    expect(await s.prune()).toBe(2); // '1' by age, '2' beyond the window of 3
    const fresh = await store('default/prune', { windowSize: 3, ttlHours: 1, now: () => t }); // no LRU
    expect(await fresh.seen(['1', '2', '3', '4', '5'])).toEqual(new Set(['3', '4', '5']));
  });

  it('refuses to open when PostgreSQL cannot be reached, saying what to check', async () => {
    const port = await freePort();
    const e = await PostgresDedupStore.open({
      url: `postgres://${PG.user}@127.0.0.1:${port}/${PG.database}`,
      schema,
      scope: 'x',
      windowSize: 10,
      ttlHours: 1,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isAmpError(e) && e.code).toBe('DEDUP_STORE');
    expect(isAmpError(e) && e.hint).toMatch(/dedup\.url/);
  });
});
