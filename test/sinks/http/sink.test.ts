import { splunkHecOptionsSchema } from '../../../src/sinks/splunk-hec/config.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseLossless } from '../../../src/event/decode.js';
import { isAmpError, type AmpError } from '../../../src/errors.js';
import { httpOptionsSchema, type HttpSinkOptions } from '../../../src/sinks/http/config.js';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { parseRetryAfter } from '../../../src/sinks/shared/http/classify.js';
import type { Format } from '../../../src/formats/types.js';
import { generateTestPki, type TestPki } from '../../helpers/rsyslog.js';
import { testContext } from './support/context.js';
import { freePort } from './support/net.js';
import { idsOf, makeRecords, textFormat } from './support/records.js';
import { Receiver } from './receiver.js';

const TOKEN = 's3cr3t-token-value-1234';
let pki: TestPki;
let pkiDir: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'ampstream-http-'));
  pki = await generateTestPki(pkiDir);
});
afterAll(async () => {
  await rm(pkiDir, { recursive: true, force: true });
});
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function receiver(tls = false): Promise<Receiver> {
  const r = await Receiver.start(tls ? { tls: { certFile: pki.certFile, keyFile: pki.keyFile } } : {});
  open.push(r);
  return r;
}

function sink(options: Partial<HttpSinkOptions> & { url: string }, format?: Format) {
  const o = httpOptionsSchema.parse({ type: 'http', allowHttp: true, ...options });
  const context = testContext('http-test', { env: { HTTP_TOKEN: TOKEN }, ...(format ? { format } : {}) });
  const s = new HttpSink(o, context);
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

function arrayIds(body: Buffer): string[] {
  return (parseLossless(body.toString()) as { id: string }[]).map((e) => e.id);
}

describe('http sink', () => {
  it('posts a batch as one JSON array with ids above 2^53 exact', async () => {
    const r = await receiver();
    const { s } = sink({ url: `http://127.0.0.1:${r.port}/ingest` });
    await s.start();
    const batch = makeRecords(200);
    await s.write(batch);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.headers['content-type']).toBe('application/json');
    expect(arrayIds(r.requests[0]!.body)).toEqual(idsOf(batch));
    expect(r.requests[0]!.body.toString()).toContain(`"id":${batch[0]!.event.event.id}`);
  });

  it('posts NDJSON, turning text records (cef) into JSON strings', async () => {
    const r = await receiver();
    const { s } = sink({ url: `http://127.0.0.1:${r.port}/`, encoding: 'ndjson' }, textFormat);
    await s.start();
    const batch = makeRecords(5, textFormat);
    await s.write(batch);
    const lines = r.requests[0]!.body.toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as string)).toEqual(batch.map((b) => b.payload));
    expect(r.requests[0]!.headers['content-type']).toBe('application/x-ndjson');
  });

  it('gzips the body when asked', async () => {
    const r = await receiver();
    const { s } = sink({ url: `http://127.0.0.1:${r.port}/`, gzip: true });
    await s.start();
    const batch = makeRecords(50);
    await s.write(batch);
    expect(r.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(arrayIds(r.requests[0]!.body)).toEqual(idsOf(batch));
  });

  it('sends the auth header from a secret reference and never logs the secret', async () => {
    const r = await receiver();
    const { s, context } = sink({
      url: `http://127.0.0.1:${r.port}/`,
      headers: { 'X-Source': 'ampstream' },
      auth: { header: 'Authorization', prefix: 'Bearer ', secret: 'env:HTTP_TOKEN' },
    });
    await s.start();
    await s.write(makeRecords(1));
    expect(r.requests[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(r.requests[0]!.headers['x-source']).toBe('ampstream');
    r.script.push({ kind: 'status', status: 401, body: '{"error":"bad token"}' });
    const e = await rejection(s.write(makeRecords(1)));
    expect(e.code).toBe('SINK_AUTH');
    expect(e.retryable).toBe(false);
    expect(JSON.stringify(e.toJSON())).not.toContain(TOKEN);
    expect(context.logLines.join('\n')).not.toContain(TOKEN);
  });

  it.each([
    [429, { 'retry-after': '7' }, 'SINK_UNAVAILABLE', true, 7000],
    [503, {}, 'SINK_UNAVAILABLE', true, undefined],
    [500, {}, 'SINK_UNAVAILABLE', true, undefined],
    [400, {}, 'SINK_REJECTED', false, undefined],
    [413, {}, 'SINK_REJECTED', false, undefined],
    [403, {}, 'SINK_AUTH', false, undefined],
  ] as const)(
    'classifies HTTP %i as %s (retryable: %s)',
    async (status, headers, code, retryable, retryAfterMs) => {
      const r = await receiver();
      const { s } = sink({ url: `http://127.0.0.1:${r.port}/` });
      await s.start();
      r.script.push({ kind: 'status', status, headers, body: 'nope' });
      const e = await rejection(s.write(makeRecords(3)));
      expect(e.code).toBe(code);
      expect(e.retryable).toBe(retryable);
      expect(e.details['status']).toBe(status);
      expect(e.details['retryAfterMs']).toBe(retryAfterMs);
    },
  );

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:30 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('verifies the server certificate against a custom CA', async () => {
    const r = await receiver(true);
    const { s } = sink({ url: `https://127.0.0.1:${r.port}/`, tls: { ca: pki.caFile, insecure: false } });
    await s.start();
    await s.write(makeRecords(2));
    expect(r.requests).toHaveLength(1);
  });

  it('refuses a certificate from an unknown CA (retryable, with a tls hint) unless insecure is set, which it logs loudly', async () => {
    const r = await receiver(true);
    const bad = sink({ url: `https://127.0.0.1:${r.port}/`, tls: { ca: pki.otherCaFile, insecure: false } });
    await bad.s.start();
    const e = await rejection(bad.s.write(makeRecords(1)));
    expect(e.retryable).toBe(true);
    expect(e.hint).toMatch(/tls\.ca/);
    const lax = sink({ url: `https://127.0.0.1:${r.port}/`, tls: { insecure: true } });
    await lax.s.start();
    await lax.s.write(makeRecords(1));
    expect(lax.context.logLines.join('\n')).toMatch(/verification is DISABLED/);
  });

  it('refuses plain credentials in the config', () => {
    expect(
      httpOptionsSchema.safeParse({ type: 'http', url: 'http://x/', headers: { Authorization: 'Bearer x' } })
        .success,
    ).toBe(false);
    expect(httpOptionsSchema.safeParse({ type: 'http', url: 'http://u:p@x/' }).success).toBe(false);
    expect(
      httpOptionsSchema.safeParse({ type: 'http', url: 'http://x/', auth: { secret: 'plain' } }).success,
    ).toBe(false);
    expect(
      httpOptionsSchema.safeParse({ type: 'http', url: 'https://x/', auth: { secret: 'env:T' } }).success,
    ).toBe(true);
  });

  it('refuses to send a credential over http:// unless the receiver is loopback and allowHttp is set', () => {
    const auth = { secret: 'env:T' };
    const ok = (o: Record<string, unknown>): boolean =>
      httpOptionsSchema.safeParse({ type: 'http', auth, ...o }).success;
    expect(ok({ url: 'http://siem.example.com/' })).toBe(false);
    expect(ok({ url: 'http://siem.example.com/', allowHttp: true })).toBe(false);
    expect(ok({ url: 'http://127.0.0.1:8080/' })).toBe(false);
    expect(ok({ url: 'http://127.0.0.1:8080/', allowHttp: true })).toBe(true);
    expect(ok({ url: 'http://[::1]:8080/', allowHttp: true })).toBe(true);
    expect(httpOptionsSchema.safeParse({ type: 'http', url: 'http://siem.example.com/' }).success).toBe(true);
    const hec = (o: Record<string, unknown>): boolean =>
      splunkHecOptionsSchema.safeParse({ type: 'splunk-hec', token: 'env:T', ...o }).success;
    expect(hec({ url: 'http://splunk.example.com:8088' })).toBe(false);
    expect(hec({ url: 'http://127.0.0.1:8088', allowHttp: true })).toBe(true);
    expect(hec({ url: 'https://splunk.example.com:8088' })).toBe(true);
  });
});

describe('http sink faults', () => {
  it('fails retryably while the receiver is down, then delivers once it is up', async () => {
    const port = await freePort();
    const { s } = sink({ url: `http://127.0.0.1:${port}/`, connectTimeoutMs: 1000 });
    await s.start();
    const batch = makeRecords(100);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    const r = new Receiver();
    await r.listen({ port });
    open.push(r);
    await s.write(batch);
    expect(arrayIds(r.requests[0]!.body)).toEqual(idsOf(batch));
  });

  it('rejects retryably when the connection dies mid-body, and the retry delivers every id', async () => {
    const r = await receiver();
    const { s } = sink({ url: `http://127.0.0.1:${r.port}/` });
    await s.start();
    const batch = makeRecords(3000); // ~2 MB body
    r.script.push({ kind: 'drop', afterBytes: 100_000 });
    const e = await rejection(s.write(batch));
    expect(e.retryable).toBe(true);
    await s.write(batch);
    expect(r.requests).toHaveLength(1);
    expect(arrayIds(r.requests[0]!.body)).toEqual(idsOf(batch));
  });

  it('times out retryably when the receiver never answers, then succeeds', async () => {
    const r = await receiver();
    const { s } = sink({ url: `http://127.0.0.1:${r.port}/`, timeoutMs: 500 });
    await s.start();
    const batch = makeRecords(10);
    r.script.push({ kind: 'hang' });
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_TIMEOUT');
    expect(e.retryable).toBe(true);
    await s.write(batch);
    expect(r.requests).toHaveLength(2);
    expect(arrayIds(r.requests[1]!.body)).toEqual(idsOf(batch));
  });
});
