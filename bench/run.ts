/**
 * `npm run bench`: the side-by-side drain benchmark (docs/bench.md, bench/reference/README.md).
 *
 * For each rep and each consumer: fill a fresh durable queue on the local RabbitMQ with N
 * persistent ~1.5 KB events (publisher confirms; the depth is checked), let the broker settle,
 * drain it with the consumer while measuring from outside (drain.ts), check the output. Then
 * print one markdown table (stdout), the design targets with PASS/FAIL, the formats
 * micro-benchmark and the machine, and write everything as JSON to bench/out/.
 * Progress goes to stderr. Only 127.0.0.1, only the bench's own queue, deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ampstreamBuild, ampstreamConsumer } from './ampstream.js';
import { parseBenchArgs, USAGE, UsageError, type BenchOptions } from './args.js';
import { BENCH_QUEUE_PREFIX, connectBroker, type Broker } from './broker.js';
import { referenceConsumer } from './consumers.js';
import { runDrain } from './drain.js';
import { emulatorEventSet } from './emulator-events.js';
import { runStreamsBench } from './streams.js';
import { benchEventSet, type EventSet } from './events.js';
import { runFormatsBench } from './formats-runner.js';
import { isSinkConsumer, sinkConsumer } from './sinks.js';
import { describeMachine, formatMachine } from './machine.js';
import { findBrokerPid, readCpuSecs } from './procfs.js';
import {
  evaluateRatioTargets,
  evaluateTargets,
  formatNotes,
  formatResultsTable,
  formatTargets,
} from './report.js';
import { summarise } from './summary.js';
import type { ConsumerSpec, DrainResult } from './types.js';
import { checkOutput, sampleIndices } from './verify.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'bench', 'out');
/** Wait after a fill until the broker uses less than this share of one core… */
const SETTLE_MAX_CORE_SHARE = 0.25;
/** …measured over windows of this length, in ms… */
const SETTLE_WINDOW_MS = 500;
/** …but never longer than this, in ms. */
const SETTLE_MAX_MS = 15_000;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function resolveConsumers(opts: BenchOptions): ConsumerSpec[] {
  const refDir = opts.refDir ?? join(repoRoot, 'bench', 'reference');
  const build = ampstreamBuild(repoRoot);
  return opts.only.map((name) => {
    const ref = referenceConsumer({ refDir, outDir }, name);
    if (ref !== undefined) return ref;
    if (isSinkConsumer(name)) return sinkConsumer(build, name);
    if (name === 'ampstream_builtin') return ampstreamConsumer(build, 'raw', { tls: true, builtin: true });
    const m = /^ampstream(?:_(ecs|ocsf|cef))?(_tls)?$/.exec(name);
    if (m !== null)
      return ampstreamConsumer(build, (m[1] as 'ecs' | 'ocsf' | 'cef' | undefined) ?? 'raw', {
        tls: m[2] !== undefined,
      });
    throw new UsageError(`unknown consumer "${name}"`);
  });
}

/** Let the broker finish what the fill left (queue index, message store) before timing. */
async function settle(brokerPid: number | undefined): Promise<void> {
  if (brokerPid === undefined) return;
  const t0 = Date.now();
  let calm = 0;
  while (Date.now() - t0 < SETTLE_MAX_MS && calm < 2) {
    const a = readCpuSecs(brokerPid) ?? 0;
    await new Promise((r) => setTimeout(r, SETTLE_WINDOW_MS));
    const share = ((readCpuSecs(brokerPid) ?? 0) - a) / (SETTLE_WINDOW_MS / 1000);
    calm = share < SETTLE_MAX_CORE_SHARE ? calm + 1 : 0;
  }
}

interface RepDeps {
  readonly broker: Broker;
  readonly brokerPid: number | undefined;
  readonly queue: string;
  readonly runDir: string;
  readonly opts: BenchOptions;
  readonly events: EventSet;
}

async function oneDrain(spec: ConsumerSpec, rep: number, d: RepDeps): Promise<DrainResult> {
  const { broker, queue, opts } = d;
  const dir = join(d.runDir, `rep${rep}`, spec.name);
  mkdirSync(dir, { recursive: true });
  await broker.recreateQueue(queue);
  const t0 = performance.now();
  let lastLog = t0;
  const fill = await broker.fill(queue, d.events, opts.n, sampleIndices(opts.n), (done) => {
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`    filled ${done}/${opts.n}`);
    }
  });
  const fillSecs = (performance.now() - t0) / 1000;
  const payloadBytes = fill.bytes;
  const depth = await broker.depth(queue);
  log(
    `  ${spec.name}: filled ${opts.n} (${(payloadBytes / 1e6).toFixed(1)} MB) in ${fillSecs.toFixed(1)} s (${Math.round(opts.n / fillSecs)}/s), depth ${depth}`,
  );
  if (depth !== opts.n) {
    return {
      config: spec.name,
      rep,
      n: opts.n,
      status: 'fill-failed',
      note: `queue depth after fill was ${depth}, not ${opts.n}`,
      payloadBytes,
      fillSecs,
    };
  }
  await settle(d.brokerPid);
  const ctx = { n: opts.n, queue, dir, outputPath: join(dir, `${spec.name}.out`) };
  await spec.before?.(ctx);
  const result = await runDrain(spec, ctx, rep, {
    broker,
    brokerPid: d.brokerPid,
    stallSecs: opts.stallSecs,
    maxSecs: Math.max(300, opts.n / 500),
    log,
  });
  if (spec.collect !== undefined) {
    try {
      await spec.collect(ctx);
    } catch (e) {
      log(`  ${spec.name}: could not read the destination back: ${(e as Error).message}`);
    }
  }
  const output =
    result.status === 'ok'
      ? await checkOutput(ctx.outputPath, fill.sampledIds).catch(() => undefined)
      : undefined;
  if (!opts.keep) rmSync(ctx.outputPath, { force: true });
  const eps = result.eps === undefined ? '' : `${Math.round(result.eps)} events/s, `;
  log(
    `  ${spec.name}: ${result.status}, ${eps}cpu ${result.usPerEvent?.toFixed(1) ?? '?'} µs/event, rss ${result.peakRssMb?.toFixed(0) ?? '?'} MB, depth after ${result.depthAfter ?? '?'}${output ? `, output ${output.lines} lines, ids ${output.idsFound}/${output.sampled}` : ''}${result.note ? ` (${result.note})` : ''}`,
  );
  return { ...result, payloadBytes, fillSecs, ...(output !== undefined && { output }) };
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    log(`${e.message}\n\n${USAGE}`);
    return 64;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  if (opts.streams) {
    const started = new Date();
    const runDir = join(outDir, `streams-${started.toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
    mkdirSync(runDir, { recursive: true });
    return streamsMode(opts, started, runDir, await describeMachine());
  }
  let consumers: ConsumerSpec[];
  try {
    consumers = resolveConsumers(opts);
  } catch (e) {
    log(`${(e as Error).message}\n\n${USAGE}`);
    return 64;
  }
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const runDir = join(outDir, `run-${stamp}`);
  mkdirSync(runDir, { recursive: true });
  const machine = await describeMachine();
  log(
    `bench: N=${opts.n}, reps=${opts.reps}, consumers ${consumers.map((c) => c.name).join(', ')}; files in ${runDir}`,
  );

  const unavailable = new Map<string, string>();
  for (const c of consumers) {
    log(
      `  preparing ${c.name}${c.ampstream ? ' (tsc build of src/ into .tmp/bench-dist, incremental)' : ''}…`,
    );
    const problem = await c.prepare();
    if (problem !== undefined) {
      unavailable.set(c.name, problem);
      log(`  ${c.name}: unavailable: ${problem}`);
    }
  }
  const broker = await connectBroker();
  if (findBrokerPid() === undefined)
    log('  (RabbitMQ beam.smp process not found: broker CPU will not be reported)');
  const jsonPath = join(outDir, `results-${stamp}.json`);
  const writePartial = (results: readonly DrainResult[]): void => {
    writeFileSync(
      jsonPath,
      `${JSON.stringify({ started: started.toISOString(), options: opts, partial: true, machine, results }, null, 2)}\n`,
    );
  };
  const events = opts.events === 'bench' ? benchEventSet(opts.seed) : emulatorEventSet(opts.seed);
  const queue = `${BENCH_QUEUE_PREFIX}${process.pid}_${randomBytes(3).toString('hex')}`;
  const cleanup = async (): Promise<void> => {
    await broker.deleteQueue(queue).catch(() => undefined);
    await broker.close().catch(() => undefined);
  };
  process.once('SIGINT', () => {
    log('interrupted: deleting the bench queue');
    void cleanup().finally(() => process.exit(130));
  });

  const results: DrainResult[] = [];
  try {
    for (let rep = 1; rep <= opts.reps; rep++) {
      log(`rep ${rep}/${opts.reps}`);
      for (const c of consumers) {
        const problem = unavailable.get(c.name);
        if (problem !== undefined) {
          results.push({ config: c.name, rep, n: opts.n, status: 'unavailable', note: problem });
          continue;
        }
        try {
          // looked up each time: a broker restarted by someone else's test has a new VM
          const own = c.ownBroker?.();
          const brokerPid = own?.pid ?? findBrokerPid();
          results.push(
            await oneDrain(c, rep, { broker: own?.broker ?? broker, brokerPid, queue, runDir, opts, events }),
          );
        } catch (e) {
          // the broker went away under us (another test restarted it): this drain does not
          // count, the next one reconnects
          const note = `aborted: ${(e as Error).message.split('\n')[0]}`;
          log(`  ${c.name}: ${note}`);
          results.push({ config: c.name, rep, n: opts.n, status: 'failed', note });
        }
        writePartial(results);
      }
    }
  } finally {
    await cleanup();
    for (const c of consumers) await c.dispose?.().catch(() => undefined);
  }

  const rows = consumers.map((c) =>
    summarise(
      c.name,
      results.filter((r) => r.config === c.name),
      { acks: c.acks, ampstream: c.ampstream, format: c.format },
    ),
  );
  const targets = [...evaluateTargets(rows), ...evaluateRatioTargets(rows)];
  const formats = opts.formats ? await runFormatsBench(repoRoot, log) : undefined;
  const payload = results.find((r) => r.payloadBytes !== undefined)?.payloadBytes;
  const descriptions = new Map(consumers.map((c) => [c.name, c.description]));
  const report = [
    `## ${opts.sinks ? 'Sink drain' : 'Drain'} benchmark, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `N=${opts.n} persistent events per drain (${payload === undefined ? '?' : `${(payload / 1e6).toFixed(1)} MB, ${Math.round(payload / opts.n)} B/event`}; ${events.name}), durable classic queue, ${opts.reps} rep(s)${opts.reps > 1 ? ', interleaved; medians' : ''}. ` +
      'events/s = N ÷ drain time (first delivery → last event written); CPU and peak RSS measured from outside (`time -v`, /proc); µs/event = CPU between those two moments ÷ N (start-up and shutdown excluded). ' +
      (opts.sinks
        ? 'Sink mode: `ampstream run` stops by itself once N events are acknowledged, i.e. once the sink has confirmed all of them, so the drain ends at its exit (shutdown included); the output check reads the destination back. "Other load" includes the destination server (rsyslog, PostgreSQL, NATS). '
        : '') +
      'Absolute figures are noisy on a shared 2-core machine (broker, consumer and other work share the cores): compare ratios within one run.',
    '',
    formatResultsTable(rows),
    '',
    formatNotes(rows, descriptions),
    '',
    ...(opts.sinks ? [] : ['### Targets', '', formatTargets(targets), '']),
    ...(formats === undefined ? [] : ['### Formats micro-benchmark (no I/O)', '', formats.text, '']),
    '### Machine',
    '',
    formatMachine(machine),
    '',
  ].join('\n');
  process.stdout.write(report);
  const json = {
    started: started.toISOString(),
    options: opts,
    events: events.name,
    machine,
    results,
    rows,
    targets,
    formats,
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  log(`results written to ${jsonPath}`);
  return 0;
}

/** `--streams`: one process on 5 streams vs 1 stream (bench/streams.ts), one table. */
async function streamsMode(
  opts: BenchOptions,
  started: Date,
  runDir: string,
  machine: Awaited<ReturnType<typeof describeMachine>>,
): Promise<number> {
  const events = opts.events === 'bench' ? benchEventSet(opts.seed) : emulatorEventSet(opts.seed);
  log(`bench --streams: N=${opts.n}, reps=${opts.reps}; files in ${runDir}`);
  const r = await runStreamsBench({ repoRoot, runDir, n: opts.n, reps: opts.reps, events, log });
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const report = [
    `## Streams benchmark, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `One \`ampstream run\` process (compiled, file sink, fsync on, dedup off, \`--stop-after N\`) draining N persistent events (${events.name}) from 1 queue, then N/5 from each of 5 queues; ${opts.reps} rep(s), interleaved${opts.reps > 1 ? ', medians' : ''}. events/s = N ÷ (first delivery → N lines in the file).`,
    '',
    r.text,
    '',
    '### Machine',
    '',
    formatMachine(machine),
    '',
  ].join('\n');
  process.stdout.write(report);
  const jsonPath = join(outDir, `streams-${stamp}.json`);
  writeFileSync(
    jsonPath,
    `${JSON.stringify({ started: started.toISOString(), options: opts, machine, ...r }, null, 2)}\n`,
  );
  log(`results written to ${jsonPath}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    log(`bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
