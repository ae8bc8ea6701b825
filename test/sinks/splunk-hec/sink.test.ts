import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAmpError, type AmpError } from '../../../src/errors.js';
import type { Format } from '../../../src/formats/types.js';
import { classifyHecResponse, parseHecBody } from '../../../src/sinks/splunk-hec/classify.js';
import { splunkHecOptionsSchema, type SplunkHecOptions } from '../../../src/sinks/splunk-hec/config.js';
import { SplunkHecSink } from '../../../src/sinks/splunk-hec/sink.js';
import { HecServer, splitConcatenatedJson } from '../../helpers/hec-server.js';
import { generateTestPki, type TestPki } from '../../helpers/rsyslog.js';
import { testContext } from '../http/support/context.js';
import { idsOf, makeRecords, textFormat } from '../http/support/records.js';

const TOKEN = '5b2a6c1e-1111-4a4a-9c9c-000000000001';
const ACK_TOKEN = '5b2a6c1e-2222-4a4a-9c9c-000000000002';
const TOKENS = {
  [TOKEN]: { indexes: ['main', 'security'] },
  [ACK_TOKEN]: { ack: true },
  'disabled-token': { disabled: true },
};

let pki: TestPki;
let pkiDir: string;
const open: { close(): Promise<void> }[] = [];
const servers: HecServer[] = [];

beforeAll(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'ampstream-hec-'));
  pki = await generateTestPki(pkiDir);
});
afterAll(async () => {
  await rm(pkiDir, { recursive: true, force: true });
});
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
  while (servers.length > 0) await servers.pop()!.stop();
});

async function hec(tls = false): Promise<HecServer> {
  const s = await HecServer.start({
    tokens: TOKENS,
    ...(tls ? { tls: { certFile: pki.certFile, keyFile: pki.keyFile } } : {}),
  });
  servers.push(s);
  return s;
}

function sink(
  server: HecServer,
  options: Partial<SplunkHecOptions> & { tokenValue?: string } = {},
  format?: Format,
) {
  const { tokenValue, ...rest } = options;
  const o = splunkHecOptionsSchema.parse({
    type: 'splunk-hec',
    url: server.url,
    token: 'env:HEC_TOKEN',
    ackPollIntervalMs: 20,
    allowHttp: true,
    ...rest,
  });
  const context = testContext('hec-test', {
    env: { HEC_TOKEN: tokenValue ?? TOKEN },
    ...(format ? { format } : {}),
  });
  const s = new SplunkHecSink(o, context);
  open.push(s);
  return { s, context };
}

async function rejection(p: Promise<unknown>): Promise<AmpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAmpError(e)) throw new Error(`expected an AmpError, got ${String(e)}`);
  return e;
}

describe('splunk-hec sink', () => {
  it('sends concatenated HEC events with time, host, source, sourcetype and index, ids exact', async () => {
    const server = await hec();
    const { s } = sink(server, { index: 'security' });
    await s.start();
    const batch = makeRecords(100);
    await s.write(batch);
    expect(server.ids()).toEqual(idsOf(batch));
    const first = server.indexed[1]!;
    expect(first.time).toBe(1700000001.001);
    expect(first.host).toBe('WS-FIN-001');
    expect(first.source).toBe('ampstream');
    expect(first.sourcetype).toBe('cisco:amp:event');
    expect(first.index).toBe('security');
    expect(first.text).toContain(`"id":${batch[1]!.event.event.id}`);
    const req = server.requests.find((r) => r.path === '/services/collector/event')!;
    expect(req.headers['authorization']).toBe(`Splunk ${TOKEN}`);
    expect(req.headers['x-splunk-request-channel']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends text records (cef) as JSON strings', async () => {
    const server = await hec();
    const { s } = sink(server, {}, textFormat);
    await s.start();
    const batch = makeRecords(10, textFormat);
    await s.write(batch);
    expect(server.indexed.map((e) => e.event)).toEqual(batch.map((r) => r.payload));
  });

  it('splits a large batch into requests under maxRequestBytes, gzipped when asked', async () => {
    const server = await hec();
    const { s } = sink(server, { maxRequestBytes: 20_000, gzip: true });
    await s.start();
    const batch = makeRecords(300);
    await s.write(batch);
    const posts = server.requests.filter((r) => r.path === '/services/collector/event');
    expect(posts.length).toBeGreaterThan(5);
    expect(posts.every((p) => p.headers['content-encoding'] === 'gzip')).toBe(true);
    expect(server.ids()).toEqual(idsOf(batch));
  });

  it('with ack on, resolves only once /services/collector/ack reports every ackId true', async () => {
    const server = await hec();
    server.faults.ackDelayMs = 200;
    const { s } = sink(server, { ack: true, tokenValue: ACK_TOKEN, maxRequestBytes: 50_000 });
    await s.start();
    const batch = makeRecords(200);
    await s.write(batch);
    const polls = server.requests.filter((r) => r.path === '/services/collector/ack');
    expect(polls.length).toBeGreaterThan(0);
    expect(server.pendingAcks()).toBe(0); // every ackId was reported true before write resolved
    expect(server.ids()).toEqual(idsOf(batch));
  });

  it('with ack on, polls soon after the POST and backs off to ackPollIntervalMs, so a quick indexer does not cost a full interval per batch', async () => {
    const server = await hec();
    const { s } = sink(server, { ack: true, tokenValue: ACK_TOKEN, ackPollIntervalMs: 3_000 });
    await s.start();
    const t0 = performance.now();
    await s.write(makeRecords(20)); // acks are true at once: the first poll confirms
    expect(performance.now() - t0).toBeLessThan(1_500);
    server.faults.ackDelayMs = 500;
    const before = server.requests.filter((r) => r.path === '/services/collector/ack').length;
    await s.write(makeRecords(20));
    const polls = server.requests.filter((r) => r.path === '/services/collector/ack').length - before;
    expect(polls).toBeGreaterThanOrEqual(2); // 20, 40, 80, 160, 320 ms…: not one poll per 3 s
    expect(polls).toBeLessThanOrEqual(7); // …and doubling, not hammering every 20 ms
    expect(server.pendingAcks()).toBe(0);
  });

  it('with ack on, fails retryably when acks never come, and the resend delivers (at least once)', async () => {
    const server = await hec();
    server.faults.neverAck = true;
    const { s } = sink(server, { ack: true, tokenValue: ACK_TOKEN, ackTimeoutMs: 300 });
    await s.start();
    const batch = makeRecords(50);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_TIMEOUT');
    expect(e.retryable).toBe(true);
    expect(e.details['pendingAcks']).toBe(1);
    server.faults.neverAck = false;
    await s.write(batch);
    expect(new Set(server.ids())).toEqual(new Set(idsOf(batch)));
  });

  it('takes HTTP 200 as delivered (with one warning) when ack is on but the token has none', async () => {
    const server = await hec();
    const { s, context } = sink(server, { ack: true });
    await s.start();
    await s.write(makeRecords(3));
    await s.write(makeRecords(3));
    expect(context.logLines.filter((l) => l.includes('returned no ackId'))).toHaveLength(1);
  });

  it.each([
    ['an unknown token', { tokenValue: 'nope' }, 'SINK_AUTH', 4],
    ['a disabled token', { tokenValue: 'disabled-token' }, 'SINK_AUTH', 1],
    ['an index the token may not use', { index: 'finance' }, 'SINK_CONFIG', 7],
  ] as const)('refuses for good with %s', async (_what, options, code, hecCode) => {
    const server = await hec();
    const { s, context } = sink(server, options);
    await s.start();
    const e = await rejection(s.write(makeRecords(2)));
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(false);
    expect(e.details['hecCode']).toBe(hecCode);
    expect(e.hint).toBeTruthy();
    expect(JSON.stringify(e.toJSON()) + context.logLines.join('')).not.toContain(TOKEN);
  });

  it('retries when Splunk is busy (503, code 9)', async () => {
    const server = await hec();
    server.faults.busy = 1;
    const { s } = sink(server);
    await s.start();
    const batch = makeRecords(20);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    expect(e.details['hecCode']).toBe(9);
    await s.write(batch);
    expect(server.ids()).toEqual(idsOf(batch));
  });

  it('verifies the HEC certificate against a custom CA', async () => {
    const server = await hec(true);
    const { s } = sink(server, { tls: { ca: pki.caFile, insecure: false } });
    await s.start();
    await s.write(makeRecords(5));
    expect(server.indexed).toHaveLength(5);
  });
});

describe('HEC response classification', () => {
  const ctx = { sinkName: 'x', target: 'POST https://splunk/services/collector/event' };
  it.each([
    [200, { text: 'Success', code: 0 }, undefined, undefined],
    [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 3 }, 'SINK_REJECTED', false],
    [400, { text: 'Data channel is missing', code: 10 }, 'SINK_CONFIG', false],
    [400, { text: 'ACK is disabled', code: 14 }, 'SINK_CONFIG', false],
    [401, { text: 'Token is required', code: 2 }, 'SINK_AUTH', false],
    [500, { text: 'Internal server error', code: 8 }, 'SINK_UNAVAILABLE', true],
    [503, { text: 'HEC is unhealthy, queues are full', code: 18 }, 'SINK_UNAVAILABLE', true],
    [502, {}, 'SINK_UNAVAILABLE', true],
    [404, {}, 'SINK_CONFIG', false],
  ] as const)('HTTP %i %j → %s', (status, body, code, retryable) => {
    const text = JSON.stringify(body);
    const e = classifyHecResponse({ status, headers: {}, text }, parseHecBody(text), ctx);
    expect(e?.code).toBe(code);
    expect(e?.retryable).toBe(retryable);
  });

  it('splits concatenated event objects the way HEC reads them', () => {
    expect(splitConcatenatedJson('{"event":"a}"}{"event":{"x":[1,{}]}}\n {"event":1}')).toEqual([
      '{"event":"a}"}',
      '{"event":{"x":[1,{}]}}',
      '{"event":1}',
    ]);
    expect(splitConcatenatedJson('[1]')).toBeUndefined();
  });
});

describe('splunk-hec sink faults', () => {
  it('fails retryably while HEC is down at start, then delivers once it is up', async () => {
    const server = await hec();
    await server.stop();
    const { s } = sink(server, { connectTimeoutMs: 1000 });
    await s.start();
    const batch = makeRecords(40);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    await server.listen();
    await s.write(batch);
    expect(server.ids()).toEqual(idsOf(batch));
  });

  it('rejects retryably when the connection drops mid-request, and the retry delivers every id', async () => {
    const server = await hec();
    server.faults.drop = 1;
    const { s } = sink(server);
    await s.start();
    const batch = makeRecords(2000);
    const e = await rejection(s.write(batch));
    expect(e.retryable).toBe(true);
    await s.write(batch);
    expect(server.ids()).toEqual(idsOf(batch));
  });

  it('times out retryably when HEC is slow, then delivers', async () => {
    const server = await hec();
    server.faults.delayMs = 2000;
    const { s } = sink(server, { timeoutMs: 300 });
    await s.start();
    const batch = makeRecords(10);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_TIMEOUT');
    expect(e.retryable).toBe(true);
    server.faults.delayMs = 0;
    await s.write(batch);
    expect(new Set(server.ids())).toEqual(new Set(idsOf(batch)));
  });

  it('survives a HEC restart while waiting for acks: times out, resends, every id indexed', async () => {
    const server = await hec();
    server.faults.ackDelayMs = 60_000;
    const { s } = sink(server, { ack: true, tokenValue: ACK_TOKEN, ackTimeoutMs: 1000 });
    await s.start();
    const batch = makeRecords(100);
    const pending = rejection(s.write(batch));
    while (server.pendingAcks() === 0) await new Promise((r) => setTimeout(r, 10));
    expect(server.ids()).toEqual(idsOf(batch)); // indexed, but not yet acknowledged
    await server.stop(); // channel state (pending acks) is lost, as on a Splunk restart
    await server.listen();
    server.faults.ackDelayMs = 0;
    const e = await pending;
    expect(e.retryable).toBe(true);
    await s.write(batch);
    expect(new Set(server.ids())).toEqual(new Set(idsOf(batch)));
  });
});
