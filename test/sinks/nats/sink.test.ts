import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAmpError, type AmpError } from '../../../src/errors.js';
import { natsOptionsSchema, type NatsSinkOptions } from '../../../src/sinks/nats/config.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import { renderSubject, subjectFilter } from '../../../src/sinks/nats/subject.js';
import type { SinkRecord } from '../../../src/sinks/types.js';
import type { SecureEndpointEvent } from '../../../src/event/types.js';
import { testContext } from '../http/support/context.js';
import { idsOf, makeEvents, makeRecords } from '../http/support/records.js';
import { generateTestPki } from '../../helpers/rsyslog.js';
import { PrivateNats } from './nats-server.js';
import { NATS_URL } from '../../helpers/services.js';

const SHARED = NATS_URL;
const run = randomBytes(4).toString('hex');
let admin: NatsConnection;
let jsm: JetStreamManager;
const streams: string[] = [];
const open: { close(): Promise<void> }[] = [];
let n = 0;

/** A unique stream name and subject prefix per test (the shared server is shared). */
function names(): { stream: string; prefix: string } {
  n++;
  const stream = `AMPSTREAM_T_${run}_${n}`;
  streams.push(stream);
  return { stream, prefix: `ampt_${run}_${n}` };
}

function sink(options: Partial<NatsSinkOptions>): NatsSink {
  const s = new NatsSink(
    natsOptionsSchema.parse({ type: 'nats', servers: SHARED, ...options }),
    testContext('nats-test'),
  );
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

/** Every message of a stream (read with an ordered consumer): its Nats-Msg-Id, subject and payload. */
async function readStream(nc: NatsConnection, stream: string) {
  const out: { msgId: string | undefined; subject: string; data: string }[] = [];
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  if (info.state.messages === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.consume();
  for await (const m of messages) {
    out.push({ msgId: m.headers?.get('Nats-Msg-Id'), subject: m.subject, data: m.string() });
    if (m.info.pending === 0) break;
  }
  return out;
}

beforeAll(async () => {
  admin = await connect({ servers: SHARED });
  jsm = await jetstreamManager(admin);
});
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
afterAll(async () => {
  for (const s of streams) await jsm.streams.delete(s).catch(() => false);
  await admin.drain();
});

describe('nats sink', () => {
  it('creates the stream on start and publishes every event with msgID = id, payload bytes untouched', async () => {
    const { stream, prefix } = names();
    const s = sink({
      subject: `${prefix}.{event_type_id}`,
      createStream: { name: stream } as NatsSinkOptions['createStream'],
    });
    await s.start();
    const batch = makeRecords(300);
    await s.write(batch);
    const msgs = await readStream(admin, stream);
    expect(msgs.map((m) => m.msgId)).toEqual(idsOf(batch));
    expect(msgs[0]!.subject).toBe(`${prefix}.1090519054`);
    expect(msgs[1]!.subject).toBe(`${prefix}.553648143`);
    expect(msgs[7]!.data).toBe(batch[7]!.payload.toString());
    const info = await jsm.streams.info(stream);
    expect(info.config.subjects).toEqual([`${prefix}.*`]);
  });

  it('lets the process exit right after a clean close (no give-up timer left holding it for 5 s)', async () => {
    const { stream, prefix } = names();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'close-exit.fixture.ts'),
        SHARED,
        `${prefix}.events`,
        stream,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let closedAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('closed')) closedAt ??= performance.now();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const exitedAt = performance.now();
    expect(code).toBe(0);
    expect(closedAt).toBeDefined();
    expect(exitedAt - closedAt!).toBeLessThan(2_500);
  });

  it('counts duplicates (a redelivered batch) as stored, without storing them twice', async () => {
    const { stream, prefix } = names();
    const s = sink({
      subject: `${prefix}.events`,
      createStream: { name: stream } as NatsSinkOptions['createStream'],
    });
    await s.start();
    const batch = makeRecords(50);
    await s.write(batch);
    await s.write(batch);
    await s.write([...batch.slice(10), ...makeRecords(5, undefined, { offset: 50 })]);
    expect((await jsm.streams.info(stream)).state.messages).toBe(55);
  });

  it('fails retryably when no stream listens on the subject (no responders)', async () => {
    const { prefix } = names();
    const s = sink({ subject: `${prefix}.nowhere` });
    await s.start();
    const e = await rejection(s.write(makeRecords(3)));
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
  });

  it('times out retryably when nothing acks the publish, then delivers once a stream exists', async () => {
    const { stream, prefix } = names();
    const subject = `${prefix}.events`;
    const silent = admin.subscribe(subject); // receives the publishes, never answers
    const s = sink({ subject, publishTimeoutMs: 400 });
    await s.start();
    const batch = makeRecords(20);
    const e = await rejection(s.write(batch));
    expect(e.code).toBe('SINK_TIMEOUT');
    expect(e.retryable).toBe(true);
    silent.unsubscribe();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await s.write(batch);
    expect((await readStream(admin, stream)).map((m) => m.msgId)).toEqual(idsOf(batch));
  });

  it('renders subject templates into valid tokens', () => {
    const [e] = makeEvents(1);
    expect(renderSubject('a.{event_type}.{severity}.{hostname}.{connector_guid}', e!.event)).toBe(
      'a.Threat_Detected.low.WS-FIN-000.0b4883d4-0000-4404-9453-13cba0ee7600',
    );
    expect(renderSubject('a.{hostname}', { ...e!.event, computer: { hostname: 'x.y *>' } })).toBe('a.x_y___');
    const { severity: _s, ...noSeverity } = e!.event;
    expect(renderSubject('a.{severity}', noSeverity as SecureEndpointEvent)).toBe('a.unknown');
    expect(subjectFilter('a.{event_type_id}.b')).toBe('a.*.b');
    expect(natsOptionsSchema.safeParse({ type: 'nats', subject: 'a.>' }).success).toBe(false);
  });

  it('refuses an unknown placeholder at start', async () => {
    const s = sink({ subject: 'a.{nope}' });
    const e = await rejection(s.start());
    expect(e.code).toBe('CONFIG_INVALID');
  });
});

describe('nats sink faults (private nats-server)', () => {
  let server: PrivateNats;
  let serverAdmin: NatsConnection | undefined;
  beforeAll(async () => {
    server = await PrivateNats.prepare();
  });
  afterAll(async () => {
    await serverAdmin?.close();
    await server.dispose();
  });

  async function privateConnection(): Promise<NatsConnection> {
    await serverAdmin?.close();
    serverAdmin = await connect({ servers: server.url });
    return serverAdmin;
  }

  function privateSink(options: Partial<NatsSinkOptions> = {}): NatsSink {
    return sink({
      servers: server.url,
      subject: 'faults.{event_type_id}',
      createStream: { name: 'FAULTS', storage: 'file' } as NatsSinkOptions['createStream'],
      connectTimeoutMs: 1000,
      ...options,
    });
  }

  it('fails retryably while the server is down at start, then creates the stream and delivers', async () => {
    const s = privateSink();
    const e = await rejection(s.start());
    expect(e.retryable).toBe(true);
    const batch = makeRecords(100, undefined, { offset: 0 });
    expect((await rejection(s.write(batch))).retryable).toBe(true);
    await server.start();
    await s.write(batch); // connects, creates the stream, publishes
    const msgs = await readStream(await privateConnection(), 'FAULTS');
    expect(msgs.map((m) => m.msgId)).toEqual(idsOf(batch));
  });

  it('rejects retryably when the server is killed mid-batch; after a restart the retry stores every id once', async () => {
    // one publish in flight at a time: the batch takes long enough to be cut mid-way on any
    // machine (with 1,000 in flight a fast one stored all 10,000 before a 150 ms kill: flaky)
    const s = privateSink({ publishTimeoutMs: 2000, maxInflight: 1 });
    await s.start();
    const batch: SinkRecord[] = makeRecords(5_000, undefined, { offset: 1000 });
    const jsm = await jetstreamManager(await privateConnection());
    const stored = async (): Promise<number> => (await jsm.streams.info('FAULTS')).state.messages;
    const before = await stored();
    const pending = rejection(s.write(batch));
    // kill as soon as the first PubAcks are in
    for (let i = 0; i < 5_000 && (await stored()) === before; i++) await new Promise((r) => setTimeout(r, 2));
    await server.kill();
    const e = await pending;
    expect(e.retryable).toBe(true);
    // while the client reconnects, writes fail at once instead of piling up in its buffer
    const fast = await rejection(s.write(batch.slice(0, 10)));
    expect(fast.code).toBe('SINK_UNAVAILABLE');
    expect(fast.retryable).toBe(true);
    await server.start(); // same port, same store: the stream and its duplicate window survive
    for (let attempt = 1; ; attempt++) {
      try {
        await s.write(batch);
        break;
      } catch (err) {
        if (!isAmpError(err) || !err.retryable || attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const msgs = await readStream(await privateConnection(), 'FAULTS');
    const ids = msgs.map((m) => m.msgId);
    expect(new Set(ids)).toEqual(new Set([...idsOf(makeRecords(100)), ...idsOf(batch)]));
    expect(ids).toHaveLength(100 + batch.length); // msgID dedup: nothing stored twice
  });

  it('times out retryably while the server is frozen, and delivers after it thaws', async () => {
    const s = privateSink({ publishTimeoutMs: 500 });
    await s.start();
    const batch = makeRecords(200, undefined, { offset: 30_000 });
    server.pause();
    try {
      const e = await rejection(s.write(batch));
      expect(e.code).toBe('SINK_TIMEOUT');
      expect(e.retryable).toBe(true);
    } finally {
      server.resume();
    }
    await s.write(batch);
    const ids = new Set((await readStream(await privateConnection(), 'FAULTS')).map((m) => m.msgId));
    expect(idsOf(batch).every((id) => ids.has(id))).toBe(true);
  });
});

describe('nats sink over TLS (private nats-server)', () => {
  let server: PrivateNats;
  let caFile: string;
  let otherCaFile: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ampstream-nats-pki-'));
    const pki = await generateTestPki(dir);
    caFile = pki.caFile;
    otherCaFile = pki.otherCaFile;
    server = await PrivateNats.prepare({ tls: { certFile: pki.certFile, keyFile: pki.keyFile } });
    await server.start();
    return async () => {
      await server.dispose();
      await rm(dir, { recursive: true, force: true });
    };
  });

  it('verifies the server certificate against the configured CA and publishes', async () => {
    const s = sink({
      servers: server.url,
      subject: 'tls.events',
      tls: { ca: caFile, insecure: false },
      createStream: { name: 'TLS' } as NatsSinkOptions['createStream'],
    });
    await s.start();
    const batch = makeRecords(20);
    await s.write(batch);
  });

  it('refuses a server certificate from an unknown CA, retryably and with a hint', async () => {
    const s = sink({
      servers: server.url,
      subject: 'tls.events',
      tls: { ca: otherCaFile, insecure: false },
      connectTimeoutMs: 2000,
    });
    const e = await rejection(s.start());
    expect(e.retryable).toBe(true);
    expect(e.hint).toMatch(/tls\.ca/);
  });
});
