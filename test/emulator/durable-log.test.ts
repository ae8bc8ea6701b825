import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueLog, readLog } from '../../src/emulator/broker/builtin/durable-log.js';
import { BrokerQueue } from '../../src/emulator/broker/builtin/queue.js';

/** The built-in broker's per-queue append-only log (--data-dir). */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ampstream-qlog-'));
  dirs.push(d);
  return d;
}
const PROPS = Buffer.from([0, 0]);

describe('the durable queue log', () => {
  it('replays what was queued and not acknowledged, in order, after the queue is reopened', () => {
    const d = dir();
    const q = new BrokerQueue({ name: 'q', maxLength: 100, log: new QueueLog(d, 'q') });
    for (let i = 0; i < 5; i++) q.enqueue('', 'q', PROPS, Buffer.from(`m${i}`));
    q.sync();
    const first = q.take(false)!;
    const second = q.take(false)!;
    q.settle(first); // acked
    void second; // delivered, never acknowledged
    q.close();
    expect(readLog(join(d, 'q.log')).map((m) => m.body.toString())).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(statSync(join(d, 'q.log')).mode & 0o777).toBe(0o600);
  });

  it('ignores a torn record at the end (a crash mid-write)', () => {
    const d = dir();
    const log = new QueueLog(d, 'q');
    const q = new BrokerQueue({ name: 'q', maxLength: 100, log });
    q.enqueue('', 'q', PROPS, Buffer.from('whole'));
    q.sync();
    q.close();
    const full = readFileSync(join(d, 'q.log'));
    appendFileSync(join(d, 'q.log'), full.subarray(0, full.length - 3)); // half a second record
    expect(readLog(join(d, 'q.log')).map((m) => m.body.toString())).toEqual(['whole']);
  });

  it('compacts once acknowledged records dominate, keeping the live messages', () => {
    const d = dir();
    const q = new BrokerQueue({ name: 'q', maxLength: 100_000, log: new QueueLog(d, 'q') });
    const body = Buffer.alloc(200, 0x61);
    for (let i = 0; i < 12_000; i++) q.enqueue('', 'q', PROPS, body);
    q.enqueue('', 'q', PROPS, Buffer.from('last'));
    q.sync();
    const before = statSync(join(d, 'q.log')).size;
    for (let i = 0; i < 12_000; i++) q.settle(q.take(false)!);
    q.sync();
    expect(statSync(join(d, 'q.log')).size).toBeLessThan(before / 4); // rewritten once 10,000 acks outnumbered the 2,001 live ones;
    q.close();
    expect(readLog(join(d, 'q.log')).map((m) => m.body.toString())).toEqual(['last']);
  });
});
