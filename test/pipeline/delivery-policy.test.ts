import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/index.js';
import type { Route } from '../../src/pipeline/types.js';
import { httpOptionsSchema } from '../../src/sinks/http/config.js';
import { HttpSink } from '../../src/sinks/http/sink.js';
import { evaluateHealth } from '../../src/daemon/health.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createSecretResolver } from '../../src/secrets/refs.js';
import { telemetryApp } from '../../src/telemetry/server.js';
import { eventBody, waitFor } from './broker.js';
import { harness, type Harness } from './harness.js';

/**
 * The delivery policy (docs/delivery.md): a destination that refuses every request holds the
 * stream (nothing acked, nothing dead-lettered, /healthz 503); only events a receiver refuses
 * on their own (proven by splitting the batch) are dead-lettered, and the dead-letter breaker
 * stops acknowledging when too many would be. With the real http sink against a local server.
 */

let h: Harness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
  server?.closeAllConnections();
  await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  server = undefined;
});

interface Received {
  requests: number;
  url: string;
}

/** A receiver that answers every request with `answer(body)` (status), or never when 0. */
async function receiver(answer: (body: string) => number): Promise<Received> {
  const seen: Received = { requests: 0, url: '' };
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.requests++;
      const status = answer(Buffer.concat(parts).toString('utf8'));
      if (status === 0) return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? '{"ok":true}' : '{"error":"no"}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  seen.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  return seen;
}

function httpRoute(url: string, extra: Record<string, unknown> = {}): Route {
  const format = getFormat('raw');
  const sink = new HttpSink(httpOptionsSchema.parse({ type: 'http', url, ...extra }), {
    name: 'siem',
    format,
    logger: silentLogger,
    resolveSecret: createSecretResolver({ env: {} }),
  });
  return { name: 'siem', sink, format };
}

function events(n: number): { ids: string[]; bodies: Buffer[] } {
  const list = Array.from({ length: n }, (_, i) => eventBody(i));
  return { ids: list.map((e) => e.id), bodies: list.map((e) => e.body) };
}

async function healthz(
  hh: Harness,
): Promise<{ status: number; body: { status: string; reasons: string[] } }> {
  const app = telemetryApp({
    metrics: { render: async () => '', contentType: 'text/plain' },
    health: () => evaluateHealth([{ stream: 's', stats: hh.pipeline.stats() }], { maxSinkRetryMs: 120_000 }),
  });
  const res = await app.request('/healthz');
  return { status: res.status, body: (await res.json()) as { status: string; reasons: string[] } };
}

describe('delivery policy: a wrong destination never empties the stream', () => {
  it('holds every event when the http sink answers 404 (mistyped URL): nothing acked or dead-lettered, /healthz 503', async () => {
    const r = await receiver(() => 404);
    h = await harness({ routes: () => [httpRoute(r.url)] });
    await h.q.publish(events(60).bodies);
    await h.pipeline.start();
    await waitFor(() => r.requests >= 3, 'the sink retried the 404');
    const stats = h.pipeline.stats();
    expect(stats.acked).toBe(0);
    expect(stats.deadLettered).toBe(0);
    expect(h.deadLetters()).toEqual([]);
    expect(stats.routes[0]!.retrying).toMatchObject({ kind: 'refused', lastError: { code: 'SINK_CONFIG' } });
    const health = await healthz(h);
    expect(health.status).toBe(503);
    expect(health.body.reasons.join('\n')).toMatch(
      /sink siem refuses every request \(SINK_CONFIG: .*HTTP 404/,
    );
    await h.pipeline.drain();
    await waitFor(async () => (await h!.q.depth()).messageCount === 60, 'all 60 events still in the queue');
  });

  it('holds every event when the http sink answers 401, 403, 405 or 407', async () => {
    for (const status of [401, 403, 405, 407]) {
      const r = await receiver(() => status);
      h = await harness({ routes: () => [httpRoute(r.url)] });
      await h.q.publish(events(10).bodies);
      await h.pipeline.start();
      await waitFor(() => r.requests >= 2, `the sink retried the ${status}`);
      expect(h.pipeline.stats()).toMatchObject({ acked: 0, deadLettered: 0 });
      expect((await healthz(h)).status).toBe(503);
      await h.cleanup();
      h = undefined;
      server?.closeAllConnections();
      await new Promise<void>((done) => server!.close(() => done()));
      server = undefined;
    }
  });

  it('dead-letters only the events the receiver refuses on their own, found by splitting the batch', async () => {
    const { ids, bodies } = events(20);
    const bad = new Set([ids[3]!, ids[17]!]);
    // 400 for any body holding a bad id: the whole batch of 20 is refused at first
    const r = await receiver((body) => ([...bad].some((id) => body.includes(id)) ? 400 : 200));
    h = await harness({ routes: () => [httpRoute(r.url)] });
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 20, 'all acked');
    const dl = h.deadLetters();
    expect(dl.map((l) => l['eventId']).sort()).toEqual([...bad].sort());
    expect(dl[0]).toMatchObject({ kind: 'sink-rejected', route: 'siem', error: { code: 'SINK_REJECTED' } });
    expect(h.pipeline.stats().routes[0]).toMatchObject({ written: 18, deadLettered: 2 });
  });

  it('stops acknowledging and says why when more than the breaker share would be dead-lettered', async () => {
    const r = await receiver(() => 400); // a receiver that refuses the data of every event
    h = await harness({
      routes: () => [httpRoute(r.url)],
      pipeline: { breaker: { maxShare: 0.1, windowEvents: 20 } },
    });
    await h.q.publish(events(40).bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().routes[0]!.retrying?.kind === 'breaker', 'breaker open');
    expect(h.pipeline.stats()).toMatchObject({ acked: 0, deadLettered: 0 });
    const health = await healthz(h);
    expect(health.status).toBe(503);
    expect(health.body.reasons.join('\n')).toMatch(
      /dead-letter circuit breaker open: 20 of the last 20 events/,
    );
    await h.pipeline.drain();
    await waitFor(async () => (await h!.q.depth()).messageCount === 40, 'all 40 events still in the queue');
  });

  it('holds poison messages too once they pass the breaker share', async () => {
    h = await harness({ pipeline: { breaker: { maxShare: 0.1, windowEvents: 20 } } });
    await h.q.publish(Array.from({ length: 30 }, (_, i) => `not json ${i}`));
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().breaker !== undefined, 'breaker open');
    expect(h.pipeline.stats()).toMatchObject({ acked: 0, deadLettered: 0 });
    expect((await healthz(h)).body.reasons.join('\n')).toMatch(/circuit breaker open/);
    await h.pipeline.drain();
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
    await waitFor(async () => (await h!.q.depth()).messageCount === 30, 'all 30 back in the queue');
  });

  it('a few poison messages within the share are still dead-lettered and acked', async () => {
    h = await harness({ pipeline: { breaker: { maxShare: 0.1, windowEvents: 1000 } } });
    await h.q.publish([...events(30).bodies, Buffer.from('oops')]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 31, 'all acked');
    expect(h.deadLetters()).toHaveLength(1);
  });
});

describe('shutdown within its limit', () => {
  it('aborts an http request that never answers at the drain deadline and requeues the batch', async () => {
    const r = await receiver(() => 0);
    // the sink's own request timeout is far beyond the test's timeout: only the drain deadline can end it
    h = await harness({
      routes: () => [httpRoute(r.url, { timeoutMs: 600_000 })],
      pipeline: { drainTimeoutMs: 300 },
    });
    await h.q.publish(events(10).bodies);
    await h.pipeline.start();
    await waitFor(() => r.requests === 1, 'request in flight');
    await h.pipeline.drain();
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
    expect(h.pipeline.stats()).toMatchObject({ acked: 0, requeued: 10 });
    expect(r.requests).toBe(1);
    await waitFor(async () => (await h!.q.depth()).messageCount === 10, 'all 10 back in the queue');
  });

  it('starts no retry during a drain: a failing sink is given up at once, not at the deadline', async () => {
    const r = await receiver(() => 503);
    h = await harness({
      routes: () => [httpRoute(r.url)],
      // a drain deadline far beyond the test's timeout: only "no retry while draining" ends it in time
      pipeline: { drainTimeoutMs: 600_000, retry: { baseMs: 50, maxMs: 50, minMs: 50 } },
    });
    await h.q.publish(events(10).bodies);
    await h.pipeline.start();
    await waitFor(() => r.requests >= 2, 'sink failing');
    await h.pipeline.drain();
    const after = r.requests;
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
    expect(h.pipeline.stats()).toMatchObject({ acked: 0, requeued: 10 });
    await new Promise((res) => setTimeout(res, 200));
    expect(r.requests).toBe(after);
  });
});
