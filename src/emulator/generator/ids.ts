/**
 * Event ids: 64-bit, above 2^53 (so every client must parse them losslessly), unique and
 * increasing, also across restarts. Built from the clock: BASE + epoch-ms × 10^6 + sequence,
 * which gives ~6.8e18 today (the cloud's ids are ~6.5e18) and stays below 2^63 until ~2071.
 * If more than 10^6 ids are drawn in one millisecond the sequence simply runs ahead of the
 * clock; ids stay unique.
 */
export const ID_BASE = 5_000_000_000_000_000_000n;
const PER_MS = 1_000_000n;

export interface IdSource {
  next(): bigint;
}

export function createIdSource(clock: () => number = Date.now): IdSource {
  let last = 0n;
  return {
    next() {
      const fromClock = ID_BASE + BigInt(Math.floor(clock())) * PER_MS;
      last = fromClock > last ? fromClock : last + 1n;
      return last;
    },
  };
}
