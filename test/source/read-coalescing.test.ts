import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceReads, type ReadCoalescingOptions } from '../../src/source/read-coalescing.js';
import { generateTestPki } from '../helpers/rsyslog.js';

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Writes `chunks` one socket write at a time, with a short gap between them, then ends. */
async function writeSlowly(s: net.Socket, chunks: readonly Buffer[], gapMs: number): Promise<void> {
  for (const c of chunks) {
    s.write(c);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  s.end();
}

/** A plain TCP server that sends `chunks` with `writeSlowly`. */
async function sender(chunks: readonly Buffer[], gapMs: number): Promise<number> {
  server = net.createServer((s) => void writeSlowly(s, chunks, gapMs));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

/** Applies coalescing to `socket`, then collects what it reads and counts its pauses until the end. */
async function observe(
  socket: net.Socket,
  options?: ReadCoalescingOptions,
): Promise<{ bytes: Buffer; reads: number; paused: number }> {
  let paused = 0;
  const pause = socket.pause.bind(socket);
  socket.pause = () => {
    paused++;
    return pause();
  };
  coalesceReads(socket, options);
  const parts: Buffer[] = [];
  socket.on('data', (b: Buffer) => parts.push(b));
  await new Promise((r) => socket.on('end', r));
  return { bytes: Buffer.concat(parts), reads: parts.length, paused };
}

function receive(port: number, pauseMs: number): Promise<{ bytes: Buffer; reads: number; paused: number }> {
  return observe(net.connect(port, '127.0.0.1'), { pauseMs });
}

describe('read coalescing', () => {
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`frame-${i};`.padEnd(100, '.')));

  it('delivers every byte in order, pausing after small reads', async () => {
    const port = await sender(chunks, 0.2);
    const got = await receive(port, 5);
    expect(got.bytes.equals(Buffer.concat(chunks))).toBe(true);
    expect(got.paused).toBeGreaterThan(0);
  });

  it('gathers what arrives during a pause into larger reads', async () => {
    // one small chunk, then 300 KB in 1 KB writes, each its own segment
    const burst = Array.from({ length: 300 }, (_, i) => Buffer.alloc(1024, 0x30 + (i % 10)));
    server = net.createServer((s) => {
      s.write('hello');
      void (async () => {
        for (const c of burst) {
          s.write(c);
          await new Promise((r) => setImmediate(r));
        }
        s.end();
      })();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const got = await receive((server.address() as net.AddressInfo).port, 300);
    expect(got.bytes.equals(Buffer.concat([Buffer.from('hello'), ...burst]))).toBe(true);
    expect(got.reads).toBeLessThan(burst.length / 4);
  });

  it('never pauses when turned off', async () => {
    const port = await sender(chunks.slice(0, 20), 1);
    const got = await receive(port, 0);
    expect(got.bytes.equals(Buffer.concat(chunks.slice(0, 20)))).toBe(true);
    expect(got.paused).toBe(0);
  });

  it('is off by default', async () => {
    const port = await sender(chunks.slice(0, 20), 1);
    const got = await observe(net.connect(port, '127.0.0.1'));
    expect(got.bytes.equals(Buffer.concat(chunks.slice(0, 20)))).toBe(true);
    expect(got.paused).toBe(0);
  });

  it('never pauses a TLS socket, whose reads are TLS records of at most 16 KB (every one would count as small)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampstream-coalesce-tls-'));
    try {
      const pki = await generateTestPki(dir);
      const tlsServer = tls.createServer(
        { cert: readFileSync(pki.certFile), key: readFileSync(pki.keyFile) },
        (s) => void writeSlowly(s, chunks.slice(0, 20), 1),
      );
      await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
      const socket = tls.connect({
        port: (tlsServer.address() as net.AddressInfo).port,
        host: '127.0.0.1',
        ca: readFileSync(pki.caFile),
        servername: 'localhost',
      });
      const got = await observe(socket, { pauseMs: 5 });
      await new Promise<void>((r) => tlsServer.close(() => r()));
      expect(got.bytes.equals(Buffer.concat(chunks.slice(0, 20)))).toBe(true);
      expect(got.paused).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not pause after a large read', async () => {
    const big = [Buffer.alloc(64 * 1024, 0x61)];
    const port = await sender(big, 0);
    const socket = net.connect(port, '127.0.0.1');
    let pausedAfterBig = false;
    coalesceReads(socket, { pauseMs: 5, smallReadBytes: 1024 });
    socket.on('data', (b: Buffer) => {
      if (b.length >= 1024 && socket.isPaused()) pausedAfterBig = true;
    });
    await new Promise((r) => socket.on('end', r));
    expect(pausedAfterBig).toBe(false);
  });
});
