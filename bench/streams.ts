import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ampstreamBuild, benchNodeArgs, PASSWORD_ENV, prepareBuild } from './ampstream.js';
import { BENCH_QUEUE_PREFIX, connectBroker, type Broker } from './broker.js';
import type { EventSet } from './events.js';
import { lineCounter } from './observe.js';

/**
 * `npm run bench -- --streams`: one `ampstream run` process consuming 5 streams of one
 * organisation against the same process consuming 1 stream, on the same total backlog (issue 9,
 * target: the 5-stream combined drain rate ≥ 0.9 × the single-stream rate of the same run).
 *
 * For each rep, interleaved: fill 1 queue with N events, or 5 queues with N/5 each (persistent,
 * publisher confirms, depths checked); start `ampstream run` (the compiled build, file sink,
 * fsync on, dedup off, `--stop-after N`) on a config naming those queues as streams; the drain
 * starts when the combined ready count first drops below N and ends when the output file holds
 * N lines. events/s = N ÷ that time. Only the bench's own queues, deleted at the end.
 */

export const STREAM_COUNTS = [1, 5] as const;
/** the target: 5-stream rate ÷ 1-stream rate */
export const STREAMS_RATIO_TARGET = 0.9;
const POLL_MS = 20;
const MAX_DRAIN_MS = 300_000;

export interface StreamsRow {
  readonly streams: number;
  readonly eps: number[];
}

export interface StreamsBenchResult {
  readonly n: number;
  readonly rows: readonly StreamsRow[];
  readonly ratio: number | undefined;
  readonly text: string;
}

const median = (xs: readonly number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function config(queues: readonly string[], outputPath: string, dir: string): Record<string, unknown> {
  return {
    streams: queues.map((queue, i) => ({
      name: `bench${i}`,
      amqp: { url: 'amqp://guest@127.0.0.1:5672', password: `env:${PASSWORD_ENV}`, queue },
    })),
    sinks: [{ name: 'jsonl', type: 'file', path: outputPath, format: 'raw', fsync: true, maxBytes: 0 }],
    dedup: { enabled: false },
    deadLetter: { path: join(dir, 'dead-letter.jsonl') },
    metrics: { listen: false },
    log: { level: 'warn' },
  };
}

async function totalDepth(broker: Broker, queues: readonly string[]): Promise<number> {
  let sum = 0;
  for (const q of queues) sum += (await broker.depth(q)) ?? 0;
  return sum;
}

async function oneDrain(
  entry: string,
  broker: Broker,
  events: EventSet,
  n: number,
  streams: number,
  dir: string,
  log: (line: string) => void,
): Promise<number | undefined> {
  const tag = randomBytes(3).toString('hex');
  const queues = Array.from({ length: streams }, (_, i) => `${BENCH_QUEUE_PREFIX}streams_${tag}_${i}`);
  try {
    const per = Math.floor(n / streams);
    for (const q of queues) {
      await broker.recreateQueue(q);
      await broker.fill(q, events, per, []);
    }
    const total = per * streams;
    const depth = await totalDepth(broker, queues);
    if (depth !== total) {
      log(`  ${streams} stream(s): depth after fill ${depth}, not ${total}: skipped`);
      return undefined;
    }
    await sleep(1000); // let the broker finish writing what the fill left
    mkdirSync(dir, { recursive: true });
    const outputPath = join(dir, `streams${streams}.jsonl`);
    const configPath = resolve(dir, `streams${streams}.yaml`);
    writeFileSync(configPath, stringify(config(queues, outputPath, dir)));
    const child = spawn(
      process.execPath,
      [...benchNodeArgs(), entry, 'run', '--config', configPath, '--stop-after', String(total)],
      { stdio: 'ignore', env: { ...process.env, [PASSWORD_ENV]: 'guest' } },
    );
    let exited = false;
    child.on('exit', () => (exited = true));
    const lines = lineCounter(outputPath);
    const t0 = performance.now();
    let tStart: number | undefined;
    let tEnd: number | undefined;
    while (tEnd === undefined && performance.now() - t0 < MAX_DRAIN_MS) {
      await sleep(POLL_MS);
      if (tStart === undefined && (await totalDepth(broker, queues)) < total) tStart = performance.now();
      if (lines() >= total) tEnd = performance.now();
      else if (exited) break;
    }
    if (!exited) child.kill('SIGTERM');
    if (tStart === undefined || tEnd === undefined) {
      log(`  ${streams} stream(s): did not finish (${lines()} of ${total} lines)`);
      return undefined;
    }
    const eps = total / ((tEnd - tStart) / 1000);
    log(
      `  ${streams} stream(s): ${total} events in ${((tEnd - tStart) / 1000).toFixed(2)} s, ${Math.round(eps)} events/s`,
    );
    return eps;
  } finally {
    for (const q of queues) await broker.deleteQueue(q).catch(() => undefined);
  }
}

export async function runStreamsBench(options: {
  readonly repoRoot: string;
  readonly runDir: string;
  readonly n: number;
  readonly reps: number;
  readonly events: EventSet;
  readonly log: (line: string) => void;
}): Promise<StreamsBenchResult> {
  const { log } = options;
  const build = ampstreamBuild(options.repoRoot);
  log('  preparing ampstream (tsc build of src/ into .tmp/bench-dist, incremental)…');
  await prepareBuild(build);
  if (build.problem !== undefined) throw new Error(build.problem);
  const broker = await connectBroker();
  const rows: StreamsRow[] = STREAM_COUNTS.map((streams) => ({ streams, eps: [] }));
  try {
    for (let rep = 1; rep <= options.reps; rep++) {
      log(`rep ${rep}/${options.reps}`);
      for (const row of rows) {
        const dir = join(options.runDir, `rep${rep}`);
        const eps = await oneDrain(build.entry, broker, options.events, options.n, row.streams, dir, log);
        if (eps !== undefined) row.eps.push(eps);
      }
    }
  } finally {
    await broker.close().catch(() => undefined);
  }
  const one = median(rows[0]?.eps ?? []);
  const five = median(rows[1]?.eps ?? []);
  const ratio = one === undefined || five === undefined ? undefined : five / one;
  const fmt = (x: number | undefined): string => (x === undefined ? '?' : String(Math.round(x)));
  const text = [
    '| streams in one process | events (total) | events/s | × 1 stream |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.streams} | ${options.n - (options.n % r.streams)} | ${fmt(median(r.eps))} | ${r.streams === 1 ? '1.00' : ratio === undefined ? '?' : ratio.toFixed(2)} |`,
    ),
    '',
    `Target: 5 streams ≥ ${STREAMS_RATIO_TARGET} × 1 stream: ${ratio === undefined ? 'n/a' : ratio >= STREAMS_RATIO_TARGET ? `PASS (${ratio.toFixed(2)})` : `FAIL (${ratio.toFixed(2)})`}`,
  ].join('\n');
  return { n: options.n, rows, ratio, text };
}
