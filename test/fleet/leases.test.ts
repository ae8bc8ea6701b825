import { afterEach, describe, expect, it } from 'vitest';
import {
  keyString,
  LeaseKeeper,
  LeaseStore,
  planLeases,
  targetCount,
  type HeldLease,
  type LeaseKey,
  type LossReason,
} from '../../src/fleet/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { usePgSchemas } from '../helpers/pg-schemas.js';
import { PG } from '../helpers/services.js';
import { TcpProxy } from '../sinks/http/support/net.js';

/** Leases against a real PostgreSQL, each test in a schema of its own. */
const url = (port = PG.port): string => `postgres://${PG.user}@${PG.host}:${port}/${PG.database}`;
const pgs = usePgSchemas('ampstream_lease');
const freshSchema = (): string => pgs.fresh();
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

async function store(schema: string, port?: number): Promise<LeaseStore> {
  const s = new LeaseStore({ url: url(port), schema, queryTimeoutMs: 1_000 });
  closers.push(() => s.close());
  await s.migrate();
  return s;
}

const key = (stream: string): LeaseKey => ({ org: 'default', stream });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Who consumes which stream, across every keeper of a test: two at once is a split brain. */
class Consumers {
  readonly active = new Map<string, string>();
  readonly overlaps: string[] = [];
  readonly losses: { replica: string; key: string; reason: LossReason }[] = [];
  /** how long a graceful stop of a consumer (a drain) takes, in ms */
  drainMs = 100;

  hooks(replica: string) {
    return {
      gained: async (lease: HeldLease): Promise<void> => {
        const k = keyString(lease.key);
        const other = this.active.get(k);
        if (other !== undefined) this.overlaps.push(`${k}: ${replica} started while ${other} consumes`);
        this.active.set(k, replica);
      },
      lost: async (k: LeaseKey, reason: LossReason): Promise<void> => {
        this.losses.push({ replica, key: keyString(k), reason });
        await sleep(reason === 'expired' ? 0 : this.drainMs); // a drain takes a while
        if (this.active.get(keyString(k)) === replica) this.active.delete(keyString(k));
      },
    };
  }

  of(replica: string): string[] {
    return [...this.active].filter(([, r]) => r === replica).map(([k]) => k);
  }
}

function keeper(
  replica: string,
  keys: readonly LeaseKey[],
  s: LeaseStore,
  consumers: Consumers,
  timings = { leaseMs: 5_000, renewMs: 500 }, // fence after 3.5 s without a renewal: room for a loaded machine
): LeaseKeeper {
  const k = new LeaseKeeper({
    replica,
    keys,
    store: s,
    logger: silentLogger,
    hooks: consumers.hooks(replica),
    ...timings,
  });
  closers.push(() => k.close());
  return k;
}

describe('lease planning', () => {
  it('shares the streams evenly, rounded up, and releases only beyond the target', () => {
    expect(targetCount(5, 3)).toBe(2);
    expect(targetCount(1, 3)).toBe(1);
    expect(targetCount(5, 0)).toBe(5);
    const keys = ['1', '2', '3', '4', '5'].map(key);
    expect(planLeases('a', keys, keys, [], 2).release).toHaveLength(2);
    const p = planLeases('a', keys, [], keys.slice(3), 3);
    expect(p.want).toBe(2);
    expect(new Set(p.acquire.map(keyString))).toEqual(new Set(['default/4', 'default/5']));
  });
});

describe('the lease store (PostgreSQL)', () => {
  it('gives a free stream to exactly one of several replicas racing for it', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(['a', 'b', 'c', 'd'].map(() => store(schema)));
    const terms = await Promise.all(stores.map((s, i) => s.acquire(key('7'), `r${i}`, 10_000)));
    expect(terms.filter((t) => t !== undefined)).toEqual([1]);
  });

  it('renews a live lease, refuses it to others until it expires, then hands it over with a higher term; the old term can no longer renew (fencing)', async () => {
    const s = await store(freshSchema());
    const t1 = await s.acquire(key('1'), 'a', 400);
    expect(t1).toBe(1);
    expect(await s.renew('a', [{ key: key('1'), term: 1 }], 400)).toHaveLength(1);
    expect(await s.acquire(key('1'), 'b', 400)).toBeUndefined();
    await sleep(600); // a stops renewing
    expect(await s.acquire(key('1'), 'b', 10_000)).toBe(2);
    expect(await s.renew('a', [{ key: key('1'), term: 1 }], 10_000)).toEqual([]);
    await s.release('a', { key: key('1'), term: 1 }); // a stale release changes nothing
    expect(await s.acquire(key('1'), 'c', 10_000)).toBeUndefined();
    await s.release('b', { key: key('1'), term: 2 });
    expect(await s.acquire(key('1'), 'c', 10_000)).toBe(3);
  });

  it('counts the replicas whose heartbeat is recent, and forgets one that leaves', async () => {
    const s = await store(freshSchema());
    expect(await s.heartbeat('a', 10_000)).toBe(1);
    expect(await s.heartbeat('b', 10_000)).toBe(2);
    expect(await s.heartbeat('b', 10_000)).toBe(2);
    await s.leave('a');
    expect(await s.heartbeat('b', 10_000)).toBe(1);
  });
});

describe('the lease keeper', { timeout: 120_000 }, () => {
  it('a standby takes the stream over once the holder stops renewing, with a higher term', async () => {
    const schema = freshSchema();
    const s = await store(schema);
    const dead = await s.acquire(key('1'), 'dead', 1_500); // then killed: never renewed, never released
    expect(dead).toBe(1);
    const c = new Consumers();
    const b = keeper('b', [key('1')], await store(schema), c);
    await b.start();
    expect(c.of('b')).toEqual([]); // the dead holder's lease is still live
    await until(() => c.of('b').length === 1, 'the standby took over');
    expect(b.held()).toEqual([{ key: key('1'), term: 2 }]);
  });

  it('a holder cut off from the store stops its consumer before its lease can expire, and another replica takes it over after', async () => {
    const schema = freshSchema();
    const proxy = new TcpProxy({ host: PG.host, port: PG.port });
    await proxy.up();
    closers.push(() => proxy.down());
    const c = new Consumers();
    const a = keeper('a', [key('1')], await store(schema, proxy.port), c, { leaseMs: 4_000, renewMs: 500 });
    await a.start();
    expect(c.of('a')).toEqual(['default/1']);
    await proxy.down(); // the store is unreachable for a
    await until(() => c.losses.some((l) => l.replica === 'a' && l.reason === 'expired'), 'a fenced itself');
    expect(a.fence(key('1'))?.code).toBe('LEASE_LOST');
    // the lease is still a's in the store: nobody else could have been consuming yet
    const row = await pgs.admin.query<{ live: boolean; holder: string }>(
      `SELECT holder, expires_at > now() AS live FROM ${schema}.ampstream_leases`,
    );
    expect(row.rows).toEqual([{ holder: 'a', live: true }]);
    const b = keeper('b', [key('1')], await store(schema), c, { leaseMs: 4_000, renewMs: 500 });
    await b.start();
    await until(() => c.of('b').length === 1, 'b took over');
    expect(c.overlaps).toEqual([]);
  });

  it('keeps renewing while a graceful stop drains for longer than the lease, so nobody takes the stream before it is released', async () => {
    const schema = freshSchema();
    const c = new Consumers();
    c.drainMs = 6_000; // a sink slow to flush: longer than the 4 s lease
    const timings = { leaseMs: 4_000, renewMs: 500 };
    const a = keeper('a', [key('1')], await store(schema), c, timings);
    await a.start();
    const b = keeper('b', [key('1')], await store(schema), c, timings);
    await b.start();
    expect(c.of('a')).toEqual(['default/1']);
    await a.stop();
    await until(() => c.of('b').length === 1, 'b took over after the release');
    expect(c.overlaps).toEqual([]);
    expect(c.losses).toEqual([{ replica: 'a', key: 'default/1', reason: 'shutdown' }]);
  });

  it('spreads 5 streams over 3 replicas, rebalances when one leaves and when one joins, never two consumers on a stream', async () => {
    const schema = freshSchema();
    const keys = ['1', '2', '3', '4', '5'].map(key);
    const c = new Consumers();
    const ks = await Promise.all(['a', 'b', 'c'].map(async (r) => keeper(r, keys, await store(schema), c)));
    for (const k of ks) await k.start();
    const spread = (replicas: string[]): boolean =>
      c.active.size === 5 && replicas.every((r) => c.of(r).length >= 1 && c.of(r).length <= 2);
    await until(() => spread(['a', 'b', 'c']), 'spread 2/2/1');

    await (ks[0] as LeaseKeeper).stop(); // a leaves gracefully: drains, releases, leaves
    await until(
      () =>
        c.active.size === 5 &&
        c.of('b').length + c.of('c').length === 5 &&
        c.of('b').length >= 2 &&
        c.of('c').length >= 2,
      'b and c share all five',
    );

    const d = keeper('d', keys, await store(schema), c);
    await d.start();
    await until(() => spread(['b', 'c', 'd']), 'd got its share');
    expect(c.overlaps).toEqual([]);
    expect(c.losses.filter((l) => l.reason === 'expired')).toEqual([]);
  });
});
