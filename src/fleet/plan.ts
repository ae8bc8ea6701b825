import { keyString, type LeaseKey } from './types.js';

/**
 * How many streams each live replica aims at: the streams shared evenly, rounded up, so every
 * stream has a holder and no replica holds more than one more than another.
 */
export function targetCount(streams: number, liveReplicas: number): number {
  return Math.ceil(streams / Math.max(1, liveReplicas));
}

/**
 * The order in which a replica tries free streams: a hash of (replica, stream), so replicas
 * that start together try different streams first instead of racing for the same one.
 */
export function preferenceOrder(replica: string, keys: readonly LeaseKey[]): LeaseKey[] {
  return [...keys].sort(
    (a, b) => rank(replica, a) - rank(replica, b) || keyString(a).localeCompare(keyString(b)),
  );
}

function rank(replica: string, k: LeaseKey): number {
  let h = 2166136261; // FNV-1a, 32 bits
  for (const c of `${replica}\0${keyString(k)}`) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export interface LeasePlan {
  /** free streams to try to acquire, best first (stop once `want` are held) */
  readonly acquire: readonly LeaseKey[];
  /** how many more to hold */
  readonly want: number;
  /** held streams to drain and release */
  readonly release: readonly LeaseKey[];
}

/**
 * One step of the rebalancing: with `held` streams and `free` ones (no lease, or an expired
 * one) and `live` replicas, hold the target count: release the extras (the last acquired
 * first), or try to acquire free ones up to it.
 */
export function planLeases(
  replica: string,
  all: readonly LeaseKey[],
  held: readonly LeaseKey[],
  free: readonly LeaseKey[],
  live: number,
): LeasePlan {
  const target = targetCount(all.length, live);
  if (held.length > target) return { acquire: [], want: 0, release: held.slice(target) };
  const want = target - held.length;
  return { acquire: want > 0 ? preferenceOrder(replica, free) : [], want, release: [] };
}
