/**
 * A small seeded PRNG for per-event choices. faker builds the fleet and the value pools once
 * at start-up (slow-ish, but seeded); every event after that only draws from this generator,
 * which keeps `publish(n)` cheap (a few µs per event) and the event sequence a pure function
 * of the seed.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [min, max] */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** true with probability p */
  chance(p: number): boolean;
  /** `length` lower-case hex digits */
  hex(length: number): string;
}

/** mulberry32 (Tommy Ettinger, public domain): 32-bit state, good enough for test data. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    chance: (p) => next() < p,
    hex: (length) => {
      let s = '';
      while (s.length < length) s += (int(0, 0xffffff) | 0x1000000).toString(16).slice(1);
      return s.slice(0, length);
    },
  };
}

/** A weighted choice table, built once. */
export interface Weighted<T> {
  readonly items: readonly T[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

export function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  let total = 0;
  const cumulative: number[] = [];
  for (const [, w] of entries) {
    total += w;
    cumulative.push(total);
  }
  return { items: entries.map(([item]) => item), cumulative, total };
}

export function pickWeighted<T>(rng: Rng, table: Weighted<T>): T {
  const r = rng.next() * table.total;
  const i = table.cumulative.findIndex((c) => r < c);
  return table.items[i === -1 ? table.items.length - 1 : i] as T;
}
