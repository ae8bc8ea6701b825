import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyLine } from '../../src/cli/commands/emulator.js';
import { MAX_INJECT_BYTES } from '../../src/emulator/rest/inject-routes.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../cli/run-cli.js';
import {
  amqpsUrl,
  apiRequest,
  BROKERS,
  type CreatedStream,
  createStreamViaRest,
  deleteAllStreams,
  type TestEmulator,
  withEmulator,
} from '../helpers/emulator.js';

/**
 * The injection endpoint (POST /emulator/v1/event_streams/{id}/events) and
 * `ampstream emulator inject`: each non-empty line one message, bytes unchanged, on both brokers.
 */

const path = (id: number | string): string => `/emulator/v1/event_streams/${id}/events`;

async function drain(emu: TestEmulator, s: CreatedStream): Promise<Buffer[]> {
  const c = new AMQPClient(amqpsUrl(s.amqp_credentials), { ca: emu.caPem }, null);
  await c.connect();
  try {
    const ch = await c.channel();
    const out: Buffer[] = [];
    for (;;) {
      const m = await ch.basicGet(s.amqp_credentials.queue_name, { noAck: true });
      if (m === null) return out;
      out.push(Buffer.from(m.body ?? []));
    }
  } finally {
    await c.close();
  }
}

describe.each(BROKERS)('the injection endpoint (%s broker)', (broker) => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 71 }, broker);
  });
  afterAll(async () => {
    await deleteAllStreams(emu);
    await emu?.close();
  });

  it('publishes each non-empty line as one message, bytes unchanged (not-JSON too), and answers 202 with the count', async () => {
    const s = await createStreamViaRest(emu, { name: `inj ${randomUUID()}` });
    const poison = Buffer.from([0x7b, 0xff, 0x00, 0x22]); // '{', an invalid UTF-8 byte, NUL, '"'
    const body = Buffer.concat([
      Buffer.from('{"id":6796363133729000001,"event_type_id":1090519054}\n'),
      Buffer.from('\n'),
      Buffer.from('{"crlf":true}\r\n'),
      poison,
      Buffer.from('\nnot json at all'),
    ]);
    // undici, not apiRequest: the exact bytes, not a UTF-8 string
    const raw = await request(`${emu.apiUrl}${path(s.id)}`, {
      method: 'POST',
      dispatcher: emu.dispatcher,
      headers: {
        authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.apiKey}`).toString('base64')}`,
        'content-type': 'application/x-ndjson',
      },
      body,
    });
    expect(raw.statusCode).toBe(202);
    expect(await raw.body.json()).toEqual({ data: { published: 4 } });
    const got = await drain(emu, s);
    expect(got.map((b) => b.toString('hex'))).toEqual(
      [
        Buffer.from('{"id":6796363133729000001,"event_type_id":1090519054}'),
        Buffer.from('{"crlf":true}'),
        poison,
        Buffer.from('not json at all'),
      ].map((b) => b.toString('hex')),
    );
  });

  it('answers 404 for an unknown stream and 403 for the read-only key', async () => {
    const s = await createStreamViaRest(emu, { name: `inj ${randomUUID()}` });
    expect(
      (await apiRequest(emu, 'POST', path(987654), { body: '{}\n', contentType: 'application/x-ndjson' }))
        .status,
    ).toBe(404);
    const ro = await apiRequest(emu, 'POST', path(s.id), {
      body: '{}\n',
      contentType: 'application/x-ndjson',
      apiKey: emu.readOnlyApiKey,
    });
    expect(ro.status).toBe(403);
    expect(await emu.queueDepth(s.id)).toBe(0);
  });

  it(`answers 413 for a body over ${MAX_INJECT_BYTES} bytes and publishes nothing`, async () => {
    const s = await createStreamViaRest(emu, { name: `inj ${randomUUID()}` });
    const line = `${'x'.repeat(1023)}\n`;
    const body = line.repeat(MAX_INJECT_BYTES / 1024 + 1);
    const res = await apiRequest(emu, 'POST', path(s.id), { body, contentType: 'application/x-ndjson' });
    expect(res.status).toBe(413);
    expect(res.headers['connection']).toBe('close'); // the unread upload makes the connection unusable
    expect(res.text).toContain(String(MAX_INJECT_BYTES));
    expect(await emu.queueDepth(s.id)).toBe(0);
  });
});

describe('the injection endpoint at the queue length limit (built-in broker)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 72, maxQueueLength: 5 }, 'builtin');
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('refuses a batch that does not fit with 409 and publishes none of it; what fits is accepted', async () => {
    const s = await createStreamViaRest(emu, { name: 'limit' });
    const send = (n: number) =>
      apiRequest(emu, 'POST', path(s.id), {
        body: Array.from({ length: n }, (_, i) => `{"n":${i}}`).join('\n'),
        contentType: 'application/x-ndjson',
      });
    expect((await send(3)).status).toBe(202);
    const full = await send(3);
    expect(full.status).toBe(409);
    expect(full.text).toContain('room for 2');
    expect(await emu.queueDepth(s.id)).toBe(3);
    expect((await send(2)).status).toBe(202);
    expect(await emu.queueDepth(s.id)).toBe(5);
    // generated events over the limit are not queued either (the queue stays at its limit)
    await emu.publish(10);
    expect(await emu.queueDepth(s.id)).toBe(5);
  });
});

describe('ampstream emulator inject', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let emu: TestEmulator;
  let dir: string;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 73 }, 'builtin');
    dir = mkdtempSync(join(tmpdir(), 'ampstream-inject-'));
    writeFileSync(join(dir, 'ready.json'), `${readyLine(emu)}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a JSON lines file into a running emulator and says how many', async () => {
    const s = await createStreamViaRest(emu, { name: 'cli inject' });
    writeFileSync(join(dir, 'events.ndjson'), '{"a":1}\n{"a":2}\n\n{"a":3}\n');
    const r = await runCli([
      'emulator',
      'inject',
      '--stream',
      String(s.id),
      '--emulator',
      join(dir, 'ready.json'),
      join(dir, 'events.ndjson'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`3 event(s) published to stream ${s.id}`);
    expect((await drain(emu, s)).map(String)).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
  });

  it('exits with the not-found error for an unknown stream', async () => {
    writeFileSync(join(dir, 'one.ndjson'), '{"a":1}\n');
    const r = await runCli([
      'emulator',
      'inject',
      '--stream',
      '4242',
      '--emulator',
      join(dir, 'ready.json'),
      join(dir, 'one.ndjson'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/API_NOT_FOUND/);
    expect(r.stderr).toMatch(/HTTP 404/);
  });
});
