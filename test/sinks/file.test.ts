import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecodedEvent } from '../../src/event/types.js';
import { fileSinkFactory } from '../../src/sinks/file/index.js';
import { FileSink } from '../../src/sinks/file/sink.js';
import { fileSinkOptions } from '../../src/sinks/file/config.js';
import type { SinkRecord } from '../../src/sinks/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../pipeline/broker.js';

const dirs: (() => void)[] = [];
afterEach(() => dirs.splice(0).forEach((r) => r()));
function dir(): string {
  const t = tempDir('ampstream-filesink-');
  dirs.push(t.remove);
  return t.dir;
}

function records(n: number, from = 0): SinkRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const raw = Buffer.from(`{"id":${6533241145273614339n + BigInt(from + i)},"n":${from + i}}`);
    return { event: { raw } as unknown as DecodedEvent, payload: raw };
  });
}

function sink(path: string, extra: Record<string, unknown> = {}, now?: () => number): FileSink {
  return new FileSink(fileSinkOptions.parse({ type: 'file', path, ...extra }), {
    name: 'f',
    logger: silentLogger,
    ...(now ? { now } : {}),
  });
}

describe('file sink', () => {
  it('appends one JSON line per record, payload bytes untouched (strings and buffers)', async () => {
    const path = join(dir(), 'sub', 'events.jsonl');
    const s = sink(path);
    await s.start();
    await s.write(records(3));
    await s.write([{ event: {} as DecodedEvent, payload: '{"ecs":"é"}' }]);
    await s.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '{"id":6533241145273614339,"n":0}\n{"id":6533241145273614340,"n":1}\n{"id":6533241145273614341,"n":2}\n{"ecs":"é"}\n',
    );
  });

  it('rotates by size between batches, gzips the rotated file and keeps only maxFiles', async () => {
    const d = dir();
    const path = join(d, 'events.jsonl');
    let t = Date.parse('2026-01-01T00:00:00Z');
    const s = sink(path, { maxBytes: 100, maxFiles: 2 }, () => (t += 1000));
    await s.start();
    for (let b = 0; b < 5; b++) await s.write(records(2, b * 2)); // ~66 bytes per batch
    await s.close();
    const rotated = readdirSync(d)
      .filter((f) => f !== 'events.jsonl')
      .sort();
    expect(rotated).toHaveLength(2);
    expect(rotated.every((f) => /^events\.2026-01-01T00-00-\d\d-000Z\.jsonl\.gz$/.test(f))).toBe(true);
    const all = [
      ...rotated.map((f) => gunzipSync(readFileSync(join(d, f))).toString()),
      readFileSync(path, 'utf8'),
    ].join('');
    expect(
      all
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { n: number }).n),
    ).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('rotates by time once the file is older than rotateMinutes', async () => {
    const d = dir();
    const path = join(d, 'events.jsonl');
    let t = Date.parse('2026-01-01T00:00:00Z');
    const s = sink(path, { maxBytes: 0, rotateMinutes: 60, gzip: false }, () => t);
    await s.start();
    await s.write(records(1));
    t += 59 * 60_000;
    await s.write(records(1, 1));
    expect(readdirSync(d)).toEqual(['events.jsonl']);
    t += 2 * 60_000;
    await s.write(records(1, 2));
    await s.close();
    expect(readdirSync(d).sort()).toEqual(['events.2026-01-01T01-01-00-000Z.jsonl', 'events.jsonl']);
    expect(readFileSync(path, 'utf8')).toContain('"n":2');
  });

  it('reports a full disk as a retryable SINK_DISK_FULL', async () => {
    // /dev/full (every write ENOSPC) is refused by start() as a device: written to directly here
    const s = sink('/dev/full', { maxBytes: 0, fsync: false });
    await expect(s.write(records(3))).rejects.toMatchObject({ code: 'SINK_DISK_FULL', retryable: true });
    await s.close();
  });

  it('reports an unwritable path as a retryable SINK_WRITE_FAILED, and writes once it is fixed', async () => {
    const d = dir();
    const blocker = join(d, 'logs');
    writeFileSync(blocker, 'a file where the directory should be');
    const path = join(blocker, 'events.jsonl');
    const s = sink(path);
    await s.start(); // does not throw: the path may be fixed later
    const err = await s.write(records(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SINK_WRITE_FAILED', retryable: true, details: { path } });
    rmSync(blocker);
    mkdirSync(blocker);
    await s.write(records(1));
    await s.close();
    expect(readFileSync(path, 'utf8')).toBe('{"id":6533241145273614339,"n":0}\n');
  });

  it('is built by its factory from validated options with documented defaults', () => {
    const o = fileSinkFactory.options.parse({ type: 'file', path: '/x/events.jsonl' });
    expect(o).toEqual({
      type: 'file',
      path: '/x/events.jsonl',
      fsync: true,
      maxBytes: 104857600,
      rotateMinutes: 0,
      gzip: true,
      maxFiles: 10,
      mode: 0o640,
    });
    expect(() => fileSinkFactory.options.parse({ type: 'file', path: '/x', bogus: 1 })).toThrow();
    expect(existsSync('/x/events.jsonl')).toBe(false);
  });
});
