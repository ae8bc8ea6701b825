/**
 * Where a drain's CPU goes, by part of the product: reads a V8 `.cpuprofile` (from
 * `AMPSTREAM_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench -- …`) and prints
 * the share of busy samples per part, and µs per event when told how many events were drained.
 *
 *   npx tsx bench/profile-parts.ts DIR/CPU.….cpuprofile [--events N]
 *
 * A sample belongs to the innermost frame of the product or a library (native builtins such as
 * `JSON.stringify` and Node's own `node:` modules, e.g. `Buffer#write` or `fs.write`, count for
 * the code that called them), mapped to a part by its path; what no such frame called is Node's
 * event loop and stream plumbing. Samples before the first one inside the pipeline's batch code are start-up.
 * Idle samples are left out; the profiler's own overhead inflates absolute µs, so read the
 * shares first.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Parts, first match wins (paths are of the compiled build: …/cli/main.js, …/formats/ecs/…). */
const PARTS: readonly (readonly [string, RegExp])[] = [
  ['decode (scan, JSON.parse, checks)', /\/(event\/decode|pipeline\/decode|pipeline\/event-scan)\.js/],
  ['record arena (UTF-8 encode)', /\/formats\/record\.js/],
  ['format render (object + JSON.stringify)', /\/formats\//],
  ['file sink (join, write, fdatasync)', /\/sinks\//],
  ['pipeline (batching, routes, acks)', /\/pipeline\//],
  ['AMQP (client library, our source)', /(@cloudamqp\/amqp-client|\/source\/)/],
  ['logging, config, CLI, other of ours', /\/(telemetry|config|cli|daemon|util|errors)\b/],
];
/** Node's module loader: lazy imports on the first batch are not per-event work. */
const LOADING = /^node:internal\/(modules|bootstrap)\//;

function partOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8 (program)';
  for (const [name, re] of PARTS) if (re.test(url)) return name;
  return url.includes('node_modules') ? 'other libraries' : 'other';
}

function main(): void {
  const file = process.argv[2];
  const at = process.argv.indexOf('--events');
  const events = at > 0 ? Number(process.argv[at + 1]) : undefined;
  if (file === undefined) throw new Error('usage: profile-parts.ts FILE.cpuprofile [--events N]');
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inBatch = new Set<number>();
  for (const n of p.nodes) if (/\/pipeline\/batch\.js/.test(n.callFrame.url)) inBatch.add(n.id);
  const part = new Map<number, string>();
  const batchUnder = new Map<number, boolean>();
  const resolve = (id: number): [string, boolean] => {
    const known = part.get(id);
    if (known !== undefined) return [known, batchUnder.get(id) ?? false];
    let name: string | undefined;
    let batch = false;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      if (inBatch.has(cur)) batch = true;
      if (name === undefined && LOADING.test(f.url)) name = 'module loading (lazy imports)';
      if (
        name === undefined &&
        ((f.url !== '' && !f.url.startsWith('node:')) || f.functionName.startsWith('('))
      )
        name = partOf(f.url, f.functionName);
    }
    const found = name ?? 'node internals (event loop, streams, fs)';
    part.set(id, found);
    batchUnder.set(id, batch);
    return [found, batch];
  };
  const us = new Map<string, number>();
  let started = false;
  let busy = 0;
  let startup = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    const dt = p.timeDeltas[i] ?? 0;
    if ((byId.get(id) as ProfileNode).callFrame.functionName === '(idle)') continue;
    const [name, batch] = resolve(id);
    if (batch) started = true;
    busy += dt;
    if (!started) {
      startup += dt;
      continue;
    }
    us.set(name, (us.get(name) ?? 0) + dt);
  }
  const drained = busy - startup;
  console.log(
    `busy ${(busy / 1e3).toFixed(0)} ms: start-up ${(startup / 1e3).toFixed(0)} ms, drain ${(drained / 1e3).toFixed(0)} ms`,
  );
  console.log(`| part (drain only) | share | ${events === undefined ? '' : 'µs/event |'}`);
  console.log(`|---|---:|${events === undefined ? '' : '---:|'}`);
  for (const [name, t] of [...us].sort((a, b) => b[1] - a[1])) {
    const share = `${((100 * t) / drained).toFixed(0)} %`;
    console.log(`| ${name} | ${share} |${events === undefined ? '' : ` ${(t / events).toFixed(1)} |`}`);
  }
}

main();
