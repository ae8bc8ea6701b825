/**
 * In-process A/B: can a JSON writer in JavaScript render the ECS record faster than one
 * `JSON.stringify` of the record object (Node 20, V8 11.3)? Kept as the measurement behind the
 * decision in docs/bench.md ("Straight-to-string ECS writer"), not used by the product.
 *
 *   npx tsx bench/formats-writer-ab.ts [--events N] [--rounds R]
 *
 * Every variant is first checked byte for byte against `JSON.stringify` over the fixture mix
 * (test/fixtures/events, E1-E17); each timed render is also UTF-8 encoded into one reused
 * Buffer, as the pipeline's RecordArena does, so lazy string concatenation is paid for.
 * CPU per render from `process.cpuUsage()`; compare rows of the same round only.
 */
import { parseArgs } from 'node:util';
import { toEcs } from '../src/formats/ecs/index.js';
import { loadEventFixtures } from '../test/fixtures/events/load.js';
import { jsonString, writeJson } from './json-writer-prototype.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' } },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const WARMUP = 20_000;

type Rec = Record<string, unknown>;
const decoded = loadEventFixtures().map((f) => f.decoded);
const records: Rec[] = decoded.map(toEcs);
const originals = records.map((r) => String((r['event'] as Rec)['original']));
const n = decoded.length;

/** ECS top-level groups, in the order toEcs writes them. */
const TOP = [
  '@timestamp',
  'message',
  'ecs',
  'event',
  'observer',
  'host',
  'user',
  'group',
  'file',
  'process',
  'source',
  'destination',
  'network',
  'url',
  'threat',
  'rule',
  'vulnerability',
  'package',
  'related',
  'cisco',
] as const;
const EVENT_FIELDS = [
  'kind',
  'category',
  'type',
  'outcome',
  'action',
  'code',
  'id',
  'severity',
  'start',
  'module',
  'dataset',
] as const;

/** Top level and `event.*` written key by key in fixed order; the other groups by `group`. */
function fixedOrder(rec: Rec, group: (v: unknown) => string | undefined): string {
  let out = '{';
  for (const key of TOP) {
    const v = rec[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `"${key}":`;
    if (key !== 'event') {
      out += typeof v === 'string' ? jsonString(v) : group(v);
      continue;
    }
    const e = v as Rec;
    let ev = '{';
    for (const f of EVENT_FIELDS) {
      const x = e[f];
      if (x === undefined) continue;
      ev += `${ev.length > 1 ? ',' : ''}"${f}":${typeof x === 'string' ? jsonString(x) : group(x)}`;
    }
    out += `${ev},"original":${JSON.stringify(e['original'])}}`;
  }
  return `${out}}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SURROGATE = /[\u0000-\u001f\ud800-\udfff]/;
const QUOTE_OR_BACKSLASH = /["\\]/g;
/** A JSON text as a JSON string without JSON.stringify: only `"` and `\` need escaping. */
function escapeJsonText(s: string): string {
  if (CONTROL_OR_SURROGATE.test(s)) return JSON.stringify(s);
  return `"${s.replace(QUOTE_OR_BACKSLASH, '\\$&')}"`;
}

const out = Buffer.alloc(1 << 20);
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
function measure(name: string, render: (i: number) => string | undefined): void {
  for (let i = 0; i < WARMUP; i++) out.write(render(i) ?? '');
  const t0 = cpuMicros();
  for (let i = 0; i < EVENTS; i++) out.write(render(i) ?? '');
  console.log(`| ${name} | ${((cpuMicros() - t0) / EVENTS).toFixed(2)} |`);
}

function check(name: string, a: (r: Rec) => string | undefined): void {
  for (const r of records) if (a(r) !== JSON.stringify(r)) throw new Error(`${name}: output differs`);
}
check('writeJson', writeJson);
check('fixed order, native groups', (r) => fixedOrder(r, (v) => JSON.stringify(v)));
check('fixed order, JS groups', (r) => fixedOrder(r, writeJson));
for (const s of [...originals, 'a"b\\c', 'x\ny', '\ud800', 'é"ü', '\u2028"', '\u007f'])
  if (escapeJsonText(s) !== JSON.stringify(s)) throw new Error('escapeJsonText: output differs');

for (let round = 1; round <= ROUNDS; round++) {
  console.log(`\nround ${round}, ${EVENTS} renders each\n\n| variant | µs CPU / render |\n|---|---:|`);
  measure('toEcs + JSON.stringify (current)', (i) => JSON.stringify(toEcs(decoded[i % n]!)));
  measure('toEcs only (object tree, no output)', (i) => (toEcs(decoded[i % n]!), ''));
  measure('JSON.stringify of a prebuilt record', (i) => JSON.stringify(records[i % n]));
  measure('JS writer (generic, key cache) of a prebuilt record', (i) => writeJson(records[i % n]));
  measure('fixed order + native groups, prebuilt', (i) =>
    fixedOrder(records[i % n]!, (v) => JSON.stringify(v)),
  );
  measure('fixed order + JS writer groups, prebuilt', (i) => fixedOrder(records[i % n]!, writeJson));
  measure('event.original: JSON.stringify(string)', (i) => JSON.stringify(originals[i % n]));
  measure('event.original: test + replace escaper', (i) => escapeJsonText(originals[i % n]!));
}
