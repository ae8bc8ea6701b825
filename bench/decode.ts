/**
 * Decode micro-benchmark: CPU per event of the two decodes every delivery pays, no I/O.
 * - `checkBody` (src/pipeline/decode.ts): the raw path's verdict (raw format, no filter, no dedup);
 * - `decodeEvent` (src/event/decode.ts): the lossless event the formats, filters and dedup read.
 * Over two event sets: the fixture mix (test/fixtures/events, E1-E17, compact as on the wire)
 * and 2,000 events of the emulator's generator (bench/emulator-events.ts, the bench's default).
 *
 *   npx tsx bench/decode.ts [--events N] [--rounds R] [--src DIR]
 *
 * `--src` loads the two modules from another copy of `src/` (e.g. a previous commit extracted
 * with `git archive <commit> src | tar -x -C .tmp/base`): an A/B of two builds runs them in
 * SEPARATE processes, alternated (one process loading both showed a ~10 % bias for the first).
 * CPU from `process.cpuUsage()` (user + system of this process, so "per core" whatever else the
 * machine runs); each round times N calls per row; prints the minimum and median over rounds.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEventFixtures } from '../test/fixtures/events/load.js';
import { emulatorEventSet } from './emulator-events.js';

interface DecodeModules {
  readonly checkBody: (raw: Buffer) => { readonly ok: boolean };
  readonly decodeEvent: (raw: Buffer) => { readonly ok: boolean };
}

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    src: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const WARMUP = 20_000;
if (!Number.isSafeInteger(EVENTS) || EVENTS <= 0 || !Number.isSafeInteger(ROUNDS) || ROUNDS <= 0) {
  process.stderr.write('--events and --rounds must be positive integers\n');
  process.exit(64);
}

const srcDir =
  values.src === undefined ? new URL('../src/', import.meta.url) : pathToFileURL(`${resolve(values.src)}/`);
const mods: DecodeModules = {
  checkBody: ((await import(new URL('pipeline/decode.ts', srcDir).href)) as DecodeModules).checkBody,
  decodeEvent: ((await import(new URL('event/decode.ts', srcDir).href)) as DecodeModules).decodeEvent,
};

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** µs of CPU per call of `fn` over `bodies` (cycled), one figure per round. */
function measure(bodies: readonly Buffer[], fn: (raw: Buffer) => { readonly ok: boolean }): number[] {
  const n = bodies.length;
  for (const b of bodies) if (!fn(b).ok) throw new Error(`not an event: ${b.toString().slice(0, 80)}`);
  let ok = 0;
  for (let i = 0; i < WARMUP; i++) if (fn(bodies[i % n] as Buffer).ok) ok++;
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = cpuMicros();
    for (let i = 0; i < EVENTS; i++) if (fn(bodies[i % n] as Buffer).ok) ok++;
    out.push((cpuMicros() - t0) / EVENTS);
  }
  if (ok !== WARMUP + ROUNDS * EVENTS) throw new Error('a body was rejected');
  return out;
}

const sets: [string, Buffer[]][] = [
  ['fixtures', loadEventFixtures().map((f) => Buffer.from(f.compact, 'utf8'))],
  [
    'emulator',
    (() => {
      const s = emulatorEventSet(1).open();
      return Array.from({ length: 2000 }, () => s.next().body);
    })(),
  ],
];

const fmt = (x: number): string => x.toFixed(2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const lines = [
  '| set | mean bytes | function | min µs/event | median µs/event |',
  '|---|---:|---|---:|---:|',
];
for (const [name, bodies] of sets) {
  const bytes = Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length);
  for (const [fname, fn] of [
    ['checkBody', mods.checkBody],
    ['decodeEvent', mods.decodeEvent],
  ] as const) {
    const us = measure(bodies, fn);
    lines.push(`| ${name} | ${bytes} | ${fname} | ${fmt(Math.min(...us))} | ${fmt(median(us))} |`);
  }
}
process.stdout.write(
  `Decode micro-benchmark (src ${values.src ?? 'src'}, ${ROUNDS} rounds of ${EVENTS.toLocaleString('en-US')} calls, Node ${process.version})\n\n${lines.join('\n')}\n`,
);
