import { EventGenerator } from '../src/emulator/generator/generator.js';
import type { EventSet } from './events.js';

/**
 * The emulator's seeded generator (src/emulator/generator) as the bench's default event set:
 * the project's realistic mix (scenarios, fleet, MITRE data, …). Made deterministic per seed
 * with an injected clock and id source, so every fill publishes the same bytes:
 * - the clock starts at START_MS and moves STEP_MS per call;
 * - ids (event ids and detection ids draw from the same source) are odd 64-bit integers
 *   from ID_BASE: a double only holds even integers above 2^53, so a consumer that rounds
 *   ids through JSON.parse cannot write them back unchanged.
 */
const START_MS = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const STEP_MS = 37;
const ID_BASE = 6_533_241_145_273_614_339n;
/** Links in events point at the real NA API host, as the cloud's do. */
const API_URL = 'https://api.amp.cisco.com';

export function emulatorEventSet(seed = 1): EventSet {
  return {
    name: `emulator generator (seed ${seed})`,
    open() {
      let t = START_MS;
      let k = 0n;
      const generator = new EventGenerator({
        seed,
        apiUrl: API_URL,
        clock: () => (t += STEP_MS),
        ids: { next: () => ID_BASE + 2n * k++ },
      });
      return {
        next() {
          const e = generator.next();
          return { id: e.event.id ?? '', body: Buffer.from(e.json, 'utf8') };
        },
      };
    },
  };
}
