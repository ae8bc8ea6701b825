import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDedupStore as DedupStore } from '../../src/pipeline/dedup.js';
import { tempDir } from './broker.js';

const dirs: (() => void)[] = [];
afterEach(() => dirs.splice(0).forEach((r) => r()));

function store(windowSize: number, ttlHours: number, now: () => number): { s: DedupStore; path: string } {
  const t = tempDir('ampstream-dedup-');
  dirs.push(t.remove);
  const path = join(t.dir, 'state', 'dedup.db');
  return { s: new DedupStore({ path, windowSize, ttlHours, now }), path };
}

describe('dedup store', () => {
  it('remembers delivered ids across reopen (SQLite file, mode 0600)', () => {
    const { s, path } = store(100, 24, () => 1_000);
    s.remember(['6533241145273614339', '6533241145273614341']);
    s.close();
    const again = new DedupStore({ path, windowSize: 100, ttlHours: 24, now: () => 2_000 });
    expect(again.seen(['6533241145273614339', '6533241145273614343'])).toEqual(
      new Set(['6533241145273614339']),
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    again.close();
  });

  it('forgets ids older than the TTL and the oldest beyond the window size', () => {
    let t = 0;
    const { s, path } = store(3, 1, () => t);
    s.remember(['a']);
    t = 10;
    s.remember(['b', 'c', 'd', 'e']);
    t = 3_600_000 + 5; // 'a' is now older than 1 h
    expect(s.prune()).toBe(2); // 'a' by age, then one of b..e beyond the window of 3
    s.close();
    const fresh = new DedupStore({ path, windowSize: 3, ttlHours: 1, now: () => t }); // no LRU: the table only
    const left = fresh.seen(['a', 'b', 'c', 'd', 'e']);
    expect(left.has('a')).toBe(false);
    expect(left.size).toBe(3);
    fresh.close();
  });
});
