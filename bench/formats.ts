/**
 * Formats micro-benchmark: events/s per core for raw, ecs, ocsf and cef over the fixture mix
 * (test/fixtures/events, E1-E17), no I/O. CPU time is measured with `process.cpuUsage()`
 * (user + system of this process), so the figure is "per core" whatever else the machine runs;
 * a `decode` row (lossless JSON decode of the message body) gives the cost the pipeline pays
 * before any format.
 *
 *   npx tsx bench/formats.ts [--events N]     (default 200,000 renders per format)
 *
 * Prints a markdown table on stdout. `runFormatsMicroBench()` / `formatsBenchTable()` are
 * exported for the main bench.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeEvent } from '../src/event/decode.js';
import type { DecodedEvent } from '../src/event/types.js';
import { getFormat } from '../src/formats/index.js';
import { formatNames } from '../src/formats/types.js';
import { loadEventFixtures } from '../test/fixtures/events/load.js';

/** Renders per format when not told otherwise. */
export const DEFAULT_EVENTS = 200_000;
/** Warm-up renders per format before measuring (JIT tiers up). */
const WARMUP_EVENTS = 20_000;

export interface FormatsBenchRow {
  readonly name: string;
  readonly events: number;
  readonly cpuSeconds: number;
  readonly eventsPerSecPerCore: number;
  readonly microsPerEvent: number;
  /** Mean size of one output record, in bytes (UTF-8). */
  readonly meanRecordBytes: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function measure(name: string, events: number, work: (i: number) => number): FormatsBenchRow {
  let sink = 0;
  for (let i = 0; i < WARMUP_EVENTS; i++) sink += work(i);
  sink = 0;
  const t0 = cpuSeconds();
  for (let i = 0; i < events; i++) sink += work(i);
  const cpu = Math.max(cpuSeconds() - t0, 1e-6);
  return {
    name,
    events,
    cpuSeconds: cpu,
    eventsPerSecPerCore: events / cpu,
    microsPerEvent: (cpu * 1e6) / events,
    meanRecordBytes: sink / events,
  };
}

export function runFormatsMicroBench(events = DEFAULT_EVENTS): FormatsBenchRow[] {
  const fixtures = loadEventFixtures();
  const raws = fixtures.map((f) => Buffer.from(f.compact, 'utf8'));
  const decoded: DecodedEvent[] = fixtures.map((f) => f.decoded);
  const n = decoded.length;
  const rows: FormatsBenchRow[] = [];
  rows.push(
    measure('decode (lossless)', events, (i) => {
      const r = decodeEvent(raws[i % n]!);
      return r.ok ? r.value.raw.length : 0;
    }),
  );
  for (const name of formatNames) {
    const format = getFormat(name);
    rows.push(
      measure(name, events, (i) => {
        const out = format.render(decoded[i % n]!);
        return typeof out === 'string' ? Buffer.byteLength(out) : out.length;
      }),
    );
  }
  return rows;
}

export function formatsBenchTable(rows: readonly FormatsBenchRow[]): string {
  const lines = [
    '| format | events/s per core | µs CPU / event | mean record bytes |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.eventsPerSecPerCore).toLocaleString('en-US')} | ${r.microsPerEvent.toFixed(2)} | ${Math.round(r.meanRecordBytes)} |`,
    ),
  ];
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  const { values } = parseArgs({ options: { events: { type: 'string' } } });
  const events = values.events === undefined ? DEFAULT_EVENTS : Number(values.events);
  if (!Number.isSafeInteger(events) || events <= 0) {
    process.stderr.write('--events must be a positive integer\n');
    process.exit(64);
  }
  const rows = runFormatsMicroBench(events);
  process.stdout.write(
    `Formats micro-benchmark (${events.toLocaleString('en-US')} renders per format over ${loadEventFixtures().length} fixture events, Node ${process.version})\n\n`,
  );
  process.stdout.write(`${formatsBenchTable(rows)}\n`);
}
