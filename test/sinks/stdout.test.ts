import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DecodedEvent } from '../../src/event/types.js';
import { StdoutSink } from '../../src/sinks/stdout/sink.js';
import type { SinkRecord } from '../../src/sinks/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';

function records(n: number): SinkRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    event: {} as DecodedEvent,
    payload: Buffer.from(`{"id":${6533241145273614339n + BigInt(i)}}`),
  }));
}

describe('stdout sink', () => {
  it('writes one JSON line per record and resolves once the stream took the bytes', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const s = new StdoutSink({ name: 'out', logger: silentLogger, stream: out });
    await s.start();
    await s.write(records(2));
    await s.close();
    expect(Buffer.concat(chunks).toString()).toBe('{"id":6533241145273614339}\n{"id":6533241145273614340}\n');
  });

  it('fails with SINK_CLOSED (exit code 0) when the reader of the pipe goes away (EPIPE), and stays closed', async () => {
    const head = spawn('head', ['-c', '1'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => head.on('exit', r));
    const s = new StdoutSink({ name: 'out', logger: silentLogger, stream: head.stdin });
    await s.start();
    await s.write(records(1)).catch(() => undefined); // head reads 1 byte and exits
    await exited;
    let err: unknown;
    for (let i = 0; i < 50 && err === undefined; i++)
      err = await s.write(records(100)).then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: 'SINK_CLOSED', exitCode: 0, retryable: false });
    await expect(s.write(records(1))).rejects.toMatchObject({ code: 'SINK_CLOSED' });
    await s.close();
  });
});
