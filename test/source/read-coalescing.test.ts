import net from 'node:net';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceReads } from '../../src/source/read-coalescing.js';

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that sends `chunks` one socket write at a time, with a short gap between them. */
async function sender(chunks: readonly Buffer[], gapMs: number): Promise<number> {
  server = net.createServer((s) => {
    void (async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      s.end();
    })();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function receive(
  port: number,
  pauseMs: number,
): Promise<{ bytes: Buffer; reads: number; paused: number }> {
  const socket = net.connect(port, '127.0.0.1');
  let paused = 0;
  const pause = socket.pause.bind(socket);
  socket.pause = () => {
    paused++;
    return pause();
  };
  coalesceReads(socket, { pauseMs });
  const parts: Buffer[] = [];
  socket.on('data', (b: Buffer) => parts.push(b));
  await new Promise((r) => socket.on('end', r));
  return { bytes: Buffer.concat(parts), reads: parts.length, paused };
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
    const socket = net.connect(port, '127.0.0.1');
    let paused = 0;
    const pause = socket.pause.bind(socket);
    socket.pause = () => {
      paused++;
      return pause();
    };
    coalesceReads(socket);
    const parts: Buffer[] = [];
    socket.on('data', (b: Buffer) => parts.push(b));
    await new Promise((r) => socket.on('end', r));
    expect(Buffer.concat(parts).equals(Buffer.concat(chunks.slice(0, 20)))).toBe(true);
    expect(paused).toBe(0);
  });

  it('never pauses a TLS socket, whose reads are TLS records of at most 16 KB (every one would count as small)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampstream-coalesce-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=localhost',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'));
      const tlsServer = tls.createServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (s) => {
        void (async () => {
          for (const c of chunks.slice(0, 20)) {
            s.write(c);
            await new Promise((r) => setTimeout(r, 1));
          }
          s.end();
        })();
      });
      await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
      const socket = tls.connect({
        port: (tlsServer.address() as net.AddressInfo).port,
        host: '127.0.0.1',
        ca: cert,
        servername: 'localhost',
      });
      let paused = 0;
      const pause = socket.pause.bind(socket);
      socket.pause = () => {
        paused++;
        return pause();
      };
      coalesceReads(socket, { pauseMs: 5 });
      const parts: Buffer[] = [];
      socket.on('data', (b: Buffer) => parts.push(b));
      await new Promise((r) => socket.on('end', r));
      await new Promise<void>((r) => tlsServer.close(() => r()));
      expect(Buffer.concat(parts).equals(Buffer.concat(chunks.slice(0, 20)))).toBe(true);
      expect(paused).toBe(0);
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
