/**
 * `npm run bench:takeover`: how long a stream is without a consumer when its lease holder dies
 * (docs/leases.md, Timings). Two `ampstream run` replicas on one config (leases and dedup in
 * PostgreSQL, default lease settings unless `--lease`/`--renew` say otherwise) consume one
 * emulator stream (the emulator in front of the local RabbitMQ) while events trickle in; the
 * holder is SIGKILLed, and the clock runs until the output file grows again (the dead holder
 * cannot write any more, so that is the first event delivered by the new holder). A fresh
 * standby is started before each further rep. Prints one markdown table; writes
 * bench/out/takeover.json. Target: ≤ 10 s with the default settings (issue 9).
 *
 *   npm run bench:takeover -- [--reps 5] [--lease 5] [--renew 1]
 *
 * Needs RabbitMQ on 127.0.0.1:5672 (guest, management on 15672) and PostgreSQL on
 * 127.0.0.1:5432 (user postgres, database postgres; AMPSTREAM_BENCH_PG_URL overrides).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Agent, request } from 'undici';
import { DEFAULT_LEASE_RENEW_SECONDS, DEFAULT_LEASE_SECONDS } from '../src/config/defaults.js';
import { startEmulator } from '../src/emulator/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(repoRoot, 'src', 'cli', 'main.ts');
const PG_URL = process.env['AMPSTREAM_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The target of issue 9, in ms. */
const TARGET_MS = 10_000;
/** Events published per tick while measuring, and the tick, in ms: a steady trickle. */
const TRICKLE = { events: 20, everyMs: 50 };

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Replica {
  readonly child: ChildProcess;
  stderr: string;
  readonly exited: Promise<void>;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

function startReplica(config: string, env: NodeJS.ProcessEnv): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', config], {
    cwd: repoRoot,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const r: Replica = {
    child,
    stderr: '',
    exited: new Promise((res) => child.on('close', () => res())),
  };
  child.stderr?.on('data', (d: Buffer) => (r.stderr += d.toString()));
  return r;
}

async function until(ok: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const size = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

const holds = (r: Replica): boolean => /"msg":"lease gained/.test(r.stderr);

async function main(): Promise<void> {
  const reps = arg('reps', 5);
  const leaseSeconds = arg('lease', DEFAULT_LEASE_SECONDS);
  const renewSeconds = arg('renew', DEFAULT_LEASE_RENEW_SECONDS);
  const schema = `ampstream_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-takeover-'));
  const emu = await startEmulator({
    seed: 1,
    brokerUrl: 'amqp://guest:guest@127.0.0.1:5672',
    managementUrl: 'http://guest:guest@127.0.0.1:15672',
  });
  const dispatcher = new Agent({ connect: { ca: emu.caPem } });
  const auth = `Basic ${Buffer.from(`${emu.clientId}:${emu.apiKey}`).toString('base64')}`;
  const created = await request(`${emu.apiUrl}/v1/event_streams`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `takeover-${schema}` }),
    dispatcher,
  });
  const stream = (
    (await created.body.json()) as { data: { id: number; amqp_credentials: Record<string, string> } }
  ).data;
  const c = stream.amqp_credentials;
  const config = join(dir, 'ampstream.yaml');
  const out = join(dir, 'events.jsonl');
  writeFileSync(
    config,
    `streams:
  - id: ${stream.id}
    amqp: { host: ${c['host']}, port: ${c['port']}, user: '${c['user_name']}', password: env:BENCH_AMQP_PASSWORD, queue: ${c['queue_name']}, proto: https }
    ca: ${emu.caPath}
sinks:
  - { name: archive, type: file, path: events.jsonl }
batch: { maxEvents: 500, maxWaitMs: 200 }
metrics: { listen: false }
log: { level: info }
replicas: { url: '${PG_URL}', schema: ${schema}, leaseSeconds: ${leaseSeconds}, renewSeconds: ${renewSeconds} }
dedup: { enabled: true, store: postgres, url: '${PG_URL}', schema: ${schema} }
`,
  );
  const env = { BENCH_AMQP_PASSWORD: c['password'] ?? '' };
  let trickling = true;
  const trickle = (async () => {
    while (trickling) {
      await emu.publishBulk(TRICKLE.events);
      await sleep(TRICKLE.everyMs);
    }
  })();
  const replicas: Replica[] = [startReplica(config, env), startReplica(config, env)];
  const results: { rep: number; takeoverMs: number }[] = [];
  try {
    log(`takeover bench: ${reps} reps, leaseSeconds ${leaseSeconds}, renewSeconds ${renewSeconds}`);
    for (let rep = 1; rep <= reps; rep++) {
      const live = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
      await until(() => live.every((r) => /"msg":"running"/.test(r.stderr)), 'replicas running');
      await until(() => live.filter(holds).length === 1, 'one holder');
      const holder = live.find(holds) as Replica;
      const standby = live.find((r) => r !== holder) as Replica;
      const grown = size(out);
      await until(() => size(out) > grown, 'events flowing');
      await sleep(1_000 + Math.random() * renewSeconds * 1000); // anywhere in the renewal period
      const t0 = performance.now();
      holder.child.kill('SIGKILL');
      await holder.exited;
      const atDeath = size(out);
      await until(() => size(out) > atDeath, 'the new holder delivers', 120_000);
      const takeoverMs = Math.round(performance.now() - t0);
      if (!holds(standby)) throw new Error('the output grew but the standby holds no lease');
      results.push({ rep, takeoverMs });
      log(`rep ${rep}: first event from the new holder ${takeoverMs} ms after the SIGKILL`);
      replicas.splice(replicas.indexOf(holder), 1);
      if (rep < reps) replicas.push(startReplica(config, env)); // the next standby
    }
  } finally {
    trickling = false;
    await trickle.catch(() => undefined);
    for (const r of replicas) r.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.exited));
    await request(`${emu.apiUrl}/v1/event_streams/${stream.id}`, {
      method: 'DELETE',
      headers: { authorization: auth },
      dispatcher,
    })
      .then((r) => r.body.dump())
      .catch(() => undefined);
    await emu.close();
    await dispatcher.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  const ms = results.map((r) => r.takeoverMs).sort((a, b) => a - b);
  const median = ms[Math.floor((ms.length - 1) / 2)] ?? 0;
  const max = ms[ms.length - 1] ?? 0;
  const verdict = max <= TARGET_MS ? 'PASS' : 'FAIL';
  process.stdout.write(
    `| takeover (SIGKILL → first event from the new holder) | reps | median | max | target |\n|---|---|---|---|---|\n` +
      `| leaseSeconds ${leaseSeconds}, renewSeconds ${renewSeconds} | ${ms.length} | ${(median / 1000).toFixed(2)} s | ${(max / 1000).toFixed(2)} s | ≤ ${TARGET_MS / 1000} s ${verdict} |\n`,
  );
  mkdirSync(join(repoRoot, 'bench', 'out'), { recursive: true });
  writeFileSync(
    join(repoRoot, 'bench', 'out', 'takeover.json'),
    `${JSON.stringify({ leaseSeconds, renewSeconds, results, medianMs: median, maxMs: max, targetMs: TARGET_MS, verdict }, null, 2)}\n`,
  );
  if (verdict === 'FAIL') process.exitCode = 1;
}

main().catch((e: unknown) => {
  log(`takeover bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
