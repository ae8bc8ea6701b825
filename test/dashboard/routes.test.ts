import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { RecentEvents, mountDashboard, type DashboardSource } from '../../src/dashboard/index.js';
import { SnapshotBuilder, type DashboardSnapshot } from '../../src/dashboard/snapshot.js';
import { isAmpError } from '../../src/errors.js';
import type { PipelineStats } from '../../src/pipeline/types.js';
import { AmpError } from '../../src/errors.js';
import { telemetryApp } from '../../src/telemetry/server.js';
import { fakeFactories } from '../config/fake-sinks.js';
import { evaluateHealth } from '../../src/daemon/health.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

function stats(delivered: number, retrying?: { since: number; code: string }): PipelineStats {
  return {
    state: 'running',
    connected: true,
    delivered,
    redelivered: 0,
    acked: delivered,
    requeued: 0,
    deadLettered: 0,
    duplicates: 0,
    inFlight: 0,
    reconnects: 0,
    queueDepth: 4,
    consumerCount: 1,
    routes: [
      {
        name: 'siem',
        written: delivered,
        filtered: 0,
        failures: retrying === undefined ? 0 : 3,
        deadLettered: 0,
        retrying:
          retrying === undefined
            ? undefined
            : {
                since: retrying.since,
                attempts: 3,
                lastError: new AmpError('SINK_UNAVAILABLE', 'HTTP 503'),
                kind: 'unavailable',
              },
      },
    ],
  };
}

function app(token?: string) {
  const source: DashboardSource = {
    stats: () => [{ stream: 'alerts', stats: stats(10) }],
    health: () => evaluateHealth([{ stream: 'alerts', stats: stats(10) }], { maxSinkRetryMs: 1000 }),
    lag: async () => new Map([['alerts', 2]]),
    recent: new RecentEvents({ payloads: false }),
  };
  return telemetryApp({
    metrics: { render: async () => '', contentType: 'text/plain' },
    health: () => source.health(),
    dashboard: (a) =>
      mountDashboard(a, { source, payloads: false, ...(token === undefined ? {} : { token }) }),
  });
}

describe('dashboard routes', () => {
  it('serves the page and a snapshot without a token when none is configured', async () => {
    const a = app();
    const page = await a.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>ampstream dashboard</title>');
    const snap = (await (await a.request('/dashboard/snapshot')).json()) as DashboardSnapshot;
    expect(snap.streams[0]).toMatchObject({ name: 'alerts', delivered: 10, queueDepth: 4, lagSeconds: 2 });
  });

  it('asks for the token, accepts it as a bearer header or via ?token= (then a cookie), and leaves /healthz open', async () => {
    const a = app('s3cret-token');
    expect((await a.request('/')).status).toBe(401);
    expect(
      (await a.request('/dashboard/snapshot', { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect(
      (await a.request('/dashboard/snapshot', { headers: { authorization: 'Bearer s3cret-token' } })).status,
    ).toBe(200);
    const login = await a.request('/?token=s3cret-token');
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect((await a.request('/dashboard/snapshot', { headers: { cookie } })).status).toBe(200);
    expect((await a.request('/healthz')).status).toBe(200);
    expect((await a.request('/metrics')).status).toBe(200);
  });
});

describe('dashboard snapshot', () => {
  it("computes rates between samples and keeps a sink's last error after it recovered", () => {
    const b = new SnapshotBuilder();
    const health = evaluateHealth([], { maxSinkRetryMs: 1000 });
    const input = { health, lag: new Map(), deadLetters: [], events: [], payloads: false };
    b.build({ ...input, now: 0, stats: [{ stream: 'alerts', stats: stats(0) }] });
    const failing = b.build({
      ...input,
      now: 2000,
      stats: [{ stream: 'alerts', stats: stats(100, { since: 1000, code: 'x' }) }],
    });
    expect(failing.streams[0]?.rate).toBe(50);
    expect(failing.sinks[0]).toMatchObject({ health: 'failing', failingSeconds: 1, retries: 3 });
    const back = b.build({ ...input, now: 3000, stats: [{ stream: 'alerts', stats: stats(150) }] });
    expect(back.sinks[0]?.health).toBe('ok');
    expect(back.sinks[0]?.lastError?.code).toBe('SINK_UNAVAILABLE');
  });

  it('lists a recent event once with every sink that wrote it, summary only unless payloads are on', () => {
    const e = loadEventFixtures()[0]?.decoded;
    if (e === undefined) throw new Error('no fixture');
    const quiet = new RecentEvents({ payloads: false });
    quiet.written('archive', [{ event: e, payload: '' }], 1);
    quiet.written('siem', [{ event: e, payload: '' }], 2);
    const [one] = quiet.list();
    expect(one?.sinks).toEqual(['archive', 'siem']);
    expect(one?.summary.length).toBeGreaterThan(0);
    expect(one?.payload).toBeUndefined();
    const loud = new RecentEvents({ payloads: true });
    loud.written('archive', [{ event: e, payload: '' }], 1);
    expect(loud.list()[0]?.payload).toContain('"id"');
  });
});

describe('dashboard config', () => {
  const base = `streams: [{ amqp: { url: 'amqps://u@h:443', queue: q, password: env:PW } }]
sinks: [{ name: s, type: file, path: x.jsonl }]
`;
  const parse = (metrics: string) =>
    parseConfig(`${base}metrics: ${metrics}\n`, {
      path: 'ampstream.yaml',
      factories: fakeFactories,
      env: {},
    });

  it('is off by default', () => {
    expect(parse('{}').config.metrics.dashboard.enabled).toBe(false);
  });

  it('refuses a dashboard on a non-loopback address without a token', () => {
    let err: unknown;
    try {
      parse("{ listen: '0.0.0.0:9464', dashboard: { enabled: true } }");
    } catch (e) {
      err = e;
    }
    expect(isAmpError(err, 'CONFIG_INVALID')).toBe(true);
    expect(String((err as Error).message)).toContain('needs a bearer token');
    expect(
      parse("{ listen: '0.0.0.0:9464', dashboard: { enabled: true, token: env:T } }").config.metrics.dashboard
        .token,
    ).toBe('env:T');
    expect(
      parse("{ listen: '127.0.0.1:9464', dashboard: { enabled: true } }").config.metrics.dashboard.enabled,
    ).toBe(true);
  });
});
