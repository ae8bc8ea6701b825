import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAmpError, type AmpError } from '../../../src/errors.js';
import { syslogOptionsSchema, type SyslogSinkOptions } from '../../../src/sinks/syslog/config.js';
import { SyslogSink } from '../../../src/sinks/syslog/sink.js';
import type { SinkRecord } from '../../../src/sinks/types.js';
import { Rsyslog } from '../../helpers/rsyslog.js';
import { testContext } from '../http/support/context.js';
import { TcpProxy } from '../http/support/net.js';
import { idsOf, makeRecords, rawFormat, textFormat } from '../http/support/records.js';

let rsyslog: Rsyslog;
let nextOffset = 0;
/** Fresh records whose ids no other test in this file uses. */
function records(n: number, format = textFormat): SinkRecord[] {
  const out = makeRecords(n, format, { offset: nextOffset });
  nextOffset += n;
  return out;
}

function sink(
  options: Partial<SyslogSinkOptions> & { transport: SyslogSinkOptions['transport'] },
  format = textFormat,
): SyslogSink {
  const port =
    options.port ??
    (options.transport === 'tls'
      ? rsyslog.tlsPort
      : options.transport === 'udp'
        ? rsyslog.udpPort
        : rsyslog.tcpPort);
  const o = syslogOptionsSchema.parse({
    type: 'syslog',
    host: '127.0.0.1',
    ...(options.transport === 'tls' ? { tls: { ca: rsyslog.pki.caFile } } : {}),
    ...options,
    port,
  });
  return new SyslogSink(o, testContext('syslog-test', { format }));
}

async function rejection(p: Promise<unknown>): Promise<AmpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAmpError(e)) throw new Error(`expected an AmpError, got ${String(e)}`);
  return e;
}

/** What the pipeline does: retry the same batch until it is accepted. */
async function writeWithRetry(s: SyslogSink, batch: readonly SinkRecord[], attempts = 20): Promise<number> {
  for (let i = 1; ; i++) {
    try {
      await s.write(batch);
      return i;
    } catch (e) {
      if (!isAmpError(e) || !e.retryable || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  rsyslog = await Rsyslog.start();
});

afterAll(async () => {
  await rsyslog?.dispose();
});

describe('syslog sink against a real rsyslog', () => {
  it('delivers every event of a batch over TCP with octet-counted framing', async () => {
    const s = sink({ transport: 'tcp' });
    await s.start();
    const batch = records(500);
    await s.write(batch);
    await s.close();
    const msgs = await rsyslog.waitForIds(idsOf(batch));
    const first = msgs.find((m) => m.id === batch[0]!.event.event.id)!;
    expect(first.pri).toBe(16 * 8 + 5);
    expect(first.hostname).toBe('WS-FIN-000');
    expect(first.appName).toBe('ampstream');
    expect(first.msgId).toBe('1090519054');
    expect(first.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(msgs.find((m) => m.id === batch[1]!.event.event.id)!.timestamp).toBe('2023-11-14T22:13:21.001Z');
    expect(first.structuredData).toContain('event_type_id="1090519054"');
    expect(first.msg).toBe(batch[0]!.payload);
  });

  it('delivers over TLS after verifying the server certificate against the configured CA', async () => {
    const s = sink({ transport: 'tls' });
    await s.start();
    const batch = records(300);
    await s.write(batch);
    await s.close();
    await rsyslog.waitForIds(idsOf(batch));
  });

  it('keeps JSON payloads and ids above 2^53 intact (raw format)', async () => {
    const s = sink({ transport: 'tls' }, rawFormat);
    await s.start();
    const batch = records(50, rawFormat);
    await s.write(batch);
    await s.close();
    const msgs = await rsyslog.waitForIds(idsOf(batch));
    const m = msgs.find((x) => x.id === batch[7]!.event.event.id)!;
    expect(m.msg).toBe(batch[7]!.payload.toString());
    expect(m.msg).toContain(`"id":${batch[7]!.event.event.id}`);
  });

  it('refuses a TLS receiver whose certificate an unknown CA signed, retryably and with a hint', async () => {
    const s = sink({ transport: 'tls', tls: { ca: rsyslog.pki.otherCaFile, insecure: false } });
    const e = await rejection(s.start());
    expect(e.code).toBe('SINK_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    expect(e.hint).toMatch(/tls\.ca/);
    await s.close();
  });

  it('sends one datagram per message over UDP (best effort)', async () => {
    const s = sink({ transport: 'udp' });
    await s.start();
    const batch = records(20);
    await s.write(batch);
    await s.close();
    await rsyslog.waitForIds(idsOf(batch));
  });
});

describe('syslog sink faults', () => {
  it('fails retryably while rsyslog is down at start, then delivers once it is back', async () => {
    await rsyslog.stop();
    const s = sink({ transport: 'tls', connectTimeoutMs: 2000 });
    try {
      const e = await rejection(s.start());
      expect(e.retryable).toBe(true);
      expect(e.code).toBe('SINK_UNAVAILABLE');
      const batch = records(100);
      const w = await rejection(s.write(batch));
      expect(w.retryable).toBe(true);
      await rsyslog.restart();
      await s.write(batch);
      await rsyslog.waitForIds(idsOf(batch));
    } finally {
      await s.close();
      await rsyslog.restart();
    }
  });

  it('notices a connection cut in the middle of a batch and delivers everything on retry', async () => {
    const proxy = new TcpProxy({ host: '127.0.0.1', port: rsyslog.tcpPort });
    await proxy.up();
    const s = sink({ transport: 'tcp', port: proxy.port });
    try {
      await s.start();
      // ~8 MB: more than the kernel buffers hold, so the cut lands while the write is in flight
      const batch = records(20_000);
      proxy.cutAfter(500_000);
      const e = await rejection(s.write(batch));
      expect(e.retryable).toBe(true);
      expect(['SINK_UNAVAILABLE', 'SINK_TIMEOUT']).toContain(e.code);
      await s.write(batch);
      await rsyslog.waitForIds(idsOf(batch));
    } finally {
      await s.close();
      await proxy.down();
    }
  });

  it('reconnects by itself after rsyslog restarts between batches, losing nothing', async () => {
    const s = sink({ transport: 'tls' });
    try {
      await s.start();
      const before = records(50);
      await s.write(before);
      await rsyslog.restart();
      const after = records(50);
      await writeWithRetry(s, after);
      await rsyslog.waitForIds([...idsOf(before), ...idsOf(after)]);
    } finally {
      await s.close();
    }
  });

  it('rejects retryably when rsyslog is killed while a batch is being written, and the retry delivers it all', async () => {
    const s = sink({ transport: 'tcp', writeTimeoutMs: 20_000 });
    try {
      await s.start();
      rsyslog.pause(); // stop reading so the batch is still in flight when the daemon dies
      const batch = records(25_000); // ~10 MB: more than the socket buffers hold
      const pending = rejection(s.write(batch));
      await new Promise((r) => setTimeout(r, 300));
      await rsyslog.stop(); // SIGTERM while frozen: the process dies, the kernel resets the connection
      const e = await pending;
      expect(e.retryable).toBe(true);
      await rsyslog.restart();
      await writeWithRetry(s, batch);
      await rsyslog.waitForIds(idsOf(batch), 40_000);
    } finally {
      rsyslog.resume();
      await s.close();
    }
  });

  it('times out retryably when rsyslog stops reading, and delivers everything once it reads again', async () => {
    const s = sink({ transport: 'tcp', writeTimeoutMs: 1500 });
    try {
      await s.start();
      rsyslog.pause();
      const batch = records(25_000); // ~10 MB: more than the socket buffers hold
      const e = await rejection(s.write(batch));
      expect(e.code).toBe('SINK_TIMEOUT');
      expect(e.retryable).toBe(true);
      rsyslog.resume();
      await writeWithRetry(s, batch);
      await rsyslog.waitForIds(idsOf(batch), 40_000);
    } finally {
      rsyslog.resume();
      await s.close();
    }
  });
});
