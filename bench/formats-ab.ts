/**
 * One format's render cost, for A/B comparisons in SEPARATE processes (an A/A run of two
 * copies of the same code in one process showed the second ~10 % slower, docs/bench.md).
 *
 *   npx tsx bench/formats-ab.ts --format ecs|ocsf|cef [--blocks 10] [--block 20000] [--decode]
 *
 * Renders the fixture mix (test/fixtures/events, E1-E17) in blocks and writes each record's
 * UTF-8 bytes into one reused Buffer, as the pipeline's RecordArena does (so a string built by
 * concatenation pays for its flattening). `--decode` decodes every body afresh before
 * rendering it, so the young generation holds what a drain's does (the decode's cost is the
 * same for both sides of an A/B). Prints one JSON line: CPU µs per event of each block
 * (`process.cpuUsage()`), their minimum and median, and the time spent in garbage collection
 * per event (PerformanceObserver `gc` entries).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { decodeEvent } from '../src/event/decode.js';
import { getFormat } from '../src/formats/index.js';
import type { FormatName } from '../src/formats/types.js';
import { RecordArena } from '../src/formats/record.js';
import { loadEventFixtures } from '../test/fixtures/events/load.js';

const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'ecs' },
    blocks: { type: 'string', default: '10' },
    block: { type: 'string', default: '20000' },
    decode: { type: 'boolean', default: false },
  },
});
const format = getFormat(values.format as FormatName);
const BLOCKS = Number(values.blocks);
const BLOCK = Number(values.block);
const fixtures = loadEventFixtures();
const raws = fixtures.map((f) => Buffer.from(f.compact, 'utf8'));
const decoded = fixtures.map((f) => f.decoded);
const n = fixtures.length;
const arena = new RecordArena();

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

let sink = 0;
function run(count: number): void {
  for (let i = 0; i < count; i++) {
    let d = decoded[i % n]!;
    if (values.decode) {
      const r = decodeEvent(raws[i % n]!);
      if (!r.ok) throw new Error('fixture does not decode');
      d = r.value;
    }
    // a batch of ~1,000 records per arena fill, as a pipeline batch
    if (i % 1000 === 0) arena.reset();
    sink += arena.bytes(format.render(d)).length;
  }
}

run(BLOCK); // warm-up: the JIT tiers up
const perBlock: number[] = [];
const gcPerBlock: number[] = [];
for (let b = 0; b < BLOCKS; b++) {
  const gc0 = gcMs;
  const t0 = cpuMicros();
  run(BLOCK);
  perBlock.push((cpuMicros() - t0) / BLOCK);
  // observer callbacks run between blocks: let the last block's entries arrive
  await new Promise((r) => setImmediate(r));
  gcPerBlock.push(((gcMs - gc0) * 1000) / BLOCK);
}
const sorted = [...perBlock].sort((a, b) => a - b);
const round = (x: number): number => Math.round(x * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    format: format.name,
    decode: values.decode,
    min: round(sorted[0]!),
    median: round(sorted[Math.floor(sorted.length / 2)]!),
    gcMedian: round([...gcPerBlock].sort((a, b) => a - b)[Math.floor(gcPerBlock.length / 2)]!),
    blocks: perBlock.map(round),
    bytes: sink,
  })}\n`,
);
