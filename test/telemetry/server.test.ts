import { afterEach, describe, expect, it } from 'vitest';
import { AmpError } from '../../src/errors.js';
import type { PipelineStats } from '../../src/pipeline/types.js';
import { evaluateHealth, type HealthReport } from '../../src/daemon/health.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { startTelemetryServer, type TelemetryServer } from '../../src/telemetry/server.js';

function stats(over: Partial<PipelineStats> = {}): PipelineStats {
  return {
    state: 'running',
    connected: true,
    delivered: 10,
    redelivered: 0,
    acked: 10,
    requeued: 0,
    deadLettered: 0,
    duplicates: 0,
    inFlight: 0,
    reconnects: 0,
    queueDepth: 0,
    consumerCount: 1,
    routes: [
      { name: 'archive', written: 10, filtered: 0, failures: 0, deadLettered: 0, retrying: undefined },
    ],
    ...over,
  };
}

const failing = (sinceMs: number): PipelineStats['routes'] => [
  {
    name: 'siem',
    written: 3,
    filtered: 0,
    failures: 7,
    deadLettered: 0,
    retrying: {
      since: sinceMs,
      attempts: 7,
      lastError: new AmpError('SINK_UNAVAILABLE', 'down', { retryable: true }),
      kind: 'unavailable',
    },
  },
];

describe('health', () => {
  it('is ok when every pipeline is connected and no sink is stuck', () => {
    expect(evaluateHealth([{ stream: '12', stats: stats() }], { maxSinkRetryMs: 1000 }).status).toBe('ok');
  });

  it('is unhealthy, with a reason, when a stream is not connected', () => {
    const r = evaluateHealth([{ stream: '12', stats: stats({ connected: false, state: 'starting' }) }], {
      maxSinkRetryMs: 1000,
    });
    expect(r.status).toBe('unhealthy');
    expect(r.reasons).toEqual(['stream 12: not connected to the broker (state starting)']);
  });

  it('tolerates a sink retrying for less than the threshold, not longer', () => {
    const now = 1_000_000;
    const brief = evaluateHealth([{ stream: 's', stats: stats({ routes: failing(now - 5_000) }) }], {
      maxSinkRetryMs: 60_000,
      now,
    });
    expect(brief.status).toBe('ok');
    expect(brief.streams[0]?.sinks[0]).toMatchObject({
      retryingSeconds: 5,
      lastErrorCode: 'SINK_UNAVAILABLE',
    });
    const stuck = evaluateHealth([{ stream: 's', stats: stats({ routes: failing(now - 61_000) }) }], {
      maxSinkRetryMs: 60_000,
      now,
    });
    expect(stuck.status).toBe('unhealthy');
    expect(stuck.reasons[0]).toMatch(
      /sink siem has been failing for 61 s \(7 attempts, last error SINK_UNAVAILABLE\)/,
    );
  });
});

describe('telemetry server', () => {
  let server: TelemetryServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves Prometheus metrics and a 200/503 /healthz on 127.0.0.1', async () => {
    const metrics = createMetrics();
    metrics.deliveries.labels('12').inc(42);
    let report: HealthReport = evaluateHealth([{ stream: '12', stats: stats() }], { maxSinkRetryMs: 1000 });
    server = await startTelemetryServer({ port: 0, metrics, health: () => report });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const m = await fetch(`${server.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(await m.text()).toContain('ampstream_deliveries_total{stream="12"} 42');

    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok' });

    report = evaluateHealth([{ stream: '12', stats: stats({ connected: false }) }], { maxSinkRetryMs: 1000 });
    const bad = await fetch(`${server.url}/healthz`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toMatchObject({
      status: 'unhealthy',
      reasons: [expect.stringContaining('not connected')],
    });

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('fails with CONFIG_INVALID and a hint when the port is taken', async () => {
    const metrics = createMetrics();
    const health = (): HealthReport => ({ status: 'ok', reasons: [], streams: [] });
    server = await startTelemetryServer({ port: 0, metrics, health });
    await expect(startTelemetryServer({ port: server.port, metrics, health })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining('metrics.listen'),
    });
  });
});
