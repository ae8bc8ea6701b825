import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/formats/util.js';

/** What isoTime wrote before its per-day cache: Date's own ISO form. */
function viaDate(s: number, ns?: number): string {
  const base = new Date(s * 1000).toISOString();
  return ns === undefined ? base : `${base.slice(0, -5)}.${String(ns).padStart(9, '0')}Z`;
}

describe('isoTime', () => {
  it('writes the same instant as Date#toISOString, with the nanoseconds as a 9-digit fraction', () => {
    const edges = [
      0, 1, 59, 60, 3599, 3600, 86_399, 86_400, 1_700_000_000, 951_782_400 /* 2000-02-29 */, -1, -86_401,
      253_402_300_799, 253_402_300_800, 8_640_000_000_000, -8_640_000_000_000, -62_167_219_200,
    ];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sampled = Array.from({ length: 2000 }, () => Math.floor((random() - 0.3) * 5e11));
    // consecutive seconds across midnights: the cached day must change at the right second
    const walk = Array.from({ length: 2000 }, (_, i) => 1_699_999_000 + i * 97);
    for (const s of [...edges, ...sampled, ...walk]) {
      expect(isoTime(s)).toBe(viaDate(s));
      expect(isoTime(s, 619_000_000)).toBe(viaDate(s, 619_000_000));
      expect(isoTime(s, 5)).toBe(viaDate(s, 5));
    }
  });

  it('gives nothing for seconds Date cannot hold or that are not integers', () => {
    expect(isoTime(8_640_000_000_001)).toBeUndefined();
    expect(isoTime(1.5)).toBeUndefined();
    expect(isoTime('1700000000')).toBeUndefined();
  });
});
