import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStatePathFor, SqliteRunStateStore } from '../../src/pipeline/run-state.js';
import { parseDurationSeconds, parseTimeSpec } from '../../src/util/duration.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function storePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-runstate-'));
  dirs.push(dir);
  return runStatePathFor(join(dir, 'dedup.sqlite'));
}

describe('the SQLite run-state store', () => {
  it('keeps the newest delivered event time per scope, across reopening, in a 0600 file', async () => {
    const path = storePath();
    const a = new SqliteRunStateStore(path, () => 1000);
    await a.recordDelivered('default', 200);
    await a.recordDelivered('default', 150); // older: ignored
    await a.recordDelivered('acme', 50);
    await a.close();
    const b = new SqliteRunStateStore(path);
    expect(await b.lastDelivered('default')).toEqual({ eventTime: 200, recordedAt: 1000 });
    expect((await b.lastDelivered('acme'))?.eventTime).toBe(50);
    expect(await b.lastDelivered('other')).toBeUndefined();
    await b.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('stores and replaces a backfill checkpoint by key', async () => {
    const s = new SqliteRunStateStore(storePath());
    const c = { key: 'k', since: 10, until: 20, offset: 0, delivered: 0, complete: false, updatedAt: 1 };
    await s.saveCheckpoint(c);
    expect(await s.checkpoint('k')).toEqual(c);
    const done = { ...c, offset: 500, delivered: 480, oldestDone: 12, complete: true, updatedAt: 2 };
    await s.saveCheckpoint(done);
    expect(await s.checkpoint('k')).toEqual(done);
    expect(await s.checkpoint('other')).toBeUndefined();
    await s.close();
  });
});

describe('durations and times on the command line and in the config', () => {
  it('reads 90s, 15m, 6h, 10d, 1h30m and bare seconds; refuses the rest', () => {
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('6h')).toBe(21_600);
    expect(parseDurationSeconds('10d')).toBe(864_000);
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds(42)).toBe(42);
    expect(parseDurationSeconds('3600')).toBe(3600);
    expect(parseDurationSeconds('soon')).toBeUndefined();
    expect(parseDurationSeconds('5y')).toBeUndefined();
  });

  it('reads a time as ISO 8601, epoch seconds, or a duration ago', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(parseTimeSpec('2026-12-01T00:00:00Z', now)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseTimeSpec('24h', now)?.toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(parseTimeSpec('1764547200', now)?.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(parseTimeSpec('yesterday-ish', now)).toBeUndefined();
  });
});
