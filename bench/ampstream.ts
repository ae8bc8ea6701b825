import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ensureLocalCa } from '../src/emulator/ca.js';
import { startAmqpsFront } from '../src/emulator/front.js';
import type { Broker } from './broker.js';
import { startBuiltinBrokerProcess } from './builtin-broker.js';
import { silentLogger } from '../src/telemetry/logger.js';
import type { ConsumerSpec, DrainContext, StopMode } from './types.js';

const run = promisify(execFile);

/**
 * `ampstream run` as a bench consumer: the daemon compiled with tsc into .tmp/bench-dist (a
 * private build, so the bench never rewrites the shared dist/ while others use it), started
 * with `node` for a realistic start-up, and a generated config: one stream on the bench queue
 * (plain amqp to 127.0.0.1), one `file` sink, fsync on (the default), dedup off, metrics off.
 */

/** The password of the local broker's guest user goes in through a secret reference. */
export const PASSWORD_ENV = 'AMPSTREAM_BENCH_AMQP_PASSWORD';
/** Options a daemon may offer to stop by itself after N events, in order of preference. */
const STOP_OPTIONS = ['--stop-after', '--max-events', '--exit-after'] as const;
/**
 * Timeout of the tsc build, in ms: a cold build of src/ takes ~2 min of CPU, and many more
 * minutes of wall time when other work shares the 2 cores. Builds are incremental.
 */
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface AmpstreamBuild {
  readonly repoRoot: string;
  readonly outDir: string;
  /** .tmp/bench-dist/cli/main.js */
  readonly entry: string;
  /** the stop-after option `run` offers, if any */
  stopOption: string | undefined;
  /** why ampstream cannot run, once prepare() has run */
  problem: string | undefined;
  prepared: boolean;
}

/**
 * The private build goes to .tmp/bench-dist: inside the repo so node finds node_modules, and
 * in the folder lint and typecheck ignore (a build under bench/ would be linted as source).
 */
export function ampstreamBuild(repoRoot: string): AmpstreamBuild {
  const outDir = join(repoRoot, '.tmp', 'bench-dist');
  return {
    repoRoot,
    outDir,
    entry: join(outDir, 'cli', 'main.js'),
    stopOption: undefined,
    problem: undefined,
    prepared: false,
  };
}

function firstLines(e: unknown, n = 3): string {
  const err = e as { stdout?: string; stderr?: string; message?: string; killed?: boolean };
  if (err.killed === true) return `timed out after ${BUILD_TIMEOUT_MS / 60_000} min`;
  return ((err.stdout ?? '') + (err.stderr ?? '') || err.message || String(e))
    .trim()
    .split('\n')
    .slice(0, n)
    .join(' | ');
}

/** Compile src/ once and look at what `run` offers; shared by every ampstream variant. */
export async function prepareBuild(b: AmpstreamBuild): Promise<void> {
  if (b.prepared) return;
  b.prepared = true;
  const tsc = join(b.repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const project = join(b.repoRoot, 'tsconfig.build.json');
    const buildInfo = `${b.outDir}.tsbuildinfo`;
    await run(
      process.execPath,
      [tsc, '-p', project, '--outDir', b.outDir, '--incremental', '--tsBuildInfoFile', buildInfo],
      {
        cwd: b.repoRoot,
        timeout: BUILD_TIMEOUT_MS,
      },
    );
  } catch (e) {
    // tsc still emits JavaScript when other people's in-progress files have type errors
    if (!existsSync(b.entry)) {
      b.problem = `tsc build failed: ${firstLines(e)}`;
      return;
    }
  }
  let help: string;
  try {
    const { stdout, stderr } = await run(process.execPath, [b.entry, 'run', '--help'], { timeout: 30_000 });
    help = stdout + stderr;
  } catch (e) {
    b.problem = `\`ampstream run\` is not available yet: ${firstLines(e)}`;
    return;
  }
  if (!/\brun\b/.test(help) || !/--config/.test(help)) {
    b.problem = '`ampstream run --help` does not describe a run command with --config';
    return;
  }
  b.stopOption = STOP_OPTIONS.find((o) => help.includes(o));
}

/** An AMQPS front (TLS outside, the local broker's plain AMQP inside) and the CA that signs it. */
export interface BenchTls {
  readonly port: number;
  readonly caPath: string;
}

/** The generated `ampstream.yaml` for one drain (the schema is src/config/schema.ts). */
export function benchConfig(
  ctx: DrainContext,
  format: string,
  options: { readonly sinks?: readonly Record<string, unknown>[]; readonly tls?: BenchTls | undefined } = {},
): Record<string, unknown> {
  const { tls } = options;
  const sinks = options.sinks ?? [
    { name: 'jsonl', type: 'file', path: ctx.outputPath, format, fsync: true, maxBytes: 0 },
  ];
  return {
    streams: [
      {
        name: 'bench',
        amqp: {
          url: tls === undefined ? 'amqp://guest@127.0.0.1:5672' : `amqps://guest@localhost:${tls.port}`,
          password: `env:${PASSWORD_ENV}`,
          queue: ctx.queue,
        },
        ...(tls === undefined ? {} : { ca: tls.caPath }),
      },
    ],
    sinks,
    dedup: { enabled: false },
    deadLetter: { path: join(ctx.dir, 'dead-letter.jsonl') },
    metrics: { listen: false },
    // AMPSTREAM_BENCH_LOG_LEVEL=debug shows what a slow drain was doing (in the drain's .stderr)
    log: { level: process.env['AMPSTREAM_BENCH_LOG_LEVEL'] ?? 'warn' },
  };
}

/**
 * Extra node flags for the ampstream process, from AMPSTREAM_BENCH_NODE_ARGS (space-separated),
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a drain.
 */
export function benchNodeArgs(): string[] {
  return (process.env['AMPSTREAM_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
}

/**
 * `ampstream_tls`: the same drain over AMQPS, as Secure Endpoint serves it: the emulator's
 * AMQPS front (src/emulator/front.ts: TLS with a local CA, piped to the broker's plain port)
 * runs in the harness process, and ampstream verifies its certificate. The front's TLS work
 * is the harness's CPU, not the consumer's.
 */
async function startTlsFront(): Promise<{ tls: BenchTls; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ampstream-bench-tls-'));
  const ca = await ensureLocalCa(dir, '127.0.0.1');
  const front = await startAmqpsFront({
    host: '127.0.0.1',
    port: 0,
    certPem: ca.certPem,
    keyPem: ca.keyPem,
    target: { kind: 'forward', host: '127.0.0.1', port: 5672 },
    logger: silentLogger,
  });
  return {
    tls: { port: front.port, caPath: ca.caPath },
    close: async () => {
      await front.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `ampstream_builtin`: the `ampstream_tls` drain through the emulator's built-in broker and
 * its AMQPS front instead of RabbitMQ (bench/builtin-broker-process.ts, a process of its own:
 * its CPU and RSS are this row's broker columns).
 */
async function startBuiltinFront(): Promise<{
  tls: BenchTls;
  close: () => Promise<void>;
  own: { broker: Broker; pid: number };
}> {
  const p = await startBuiltinBrokerProcess();
  return {
    tls: { port: p.port, caPath: p.caPath },
    close: () => p.stop(),
    own: { broker: p.broker, pid: p.pid },
  };
}

export function ampstreamConsumer(
  build: AmpstreamBuild,
  format: 'raw' | 'ecs' | 'ocsf' | 'cef',
  options: { readonly tls?: boolean; readonly builtin?: boolean } = {},
): ConsumerSpec {
  const name =
    options.builtin === true
      ? 'ampstream_builtin'
      : `ampstream${format === 'raw' ? '' : `_${format}`}${options.tls === true ? '_tls' : ''}`;
  let stop: StopMode = 'sigterm-at-n';
  let front: { tls: BenchTls; close: () => Promise<void>; own?: { broker: Broker; pid: number } } | undefined;
  const spec: ConsumerSpec = {
    name,
    get description() {
      const how =
        stop === 'exits'
          ? `stops by itself (${build.stopOption} N)`
          : 'SIGTERM once the file has N lines (shutdown not timed)';
      const over =
        options.builtin === true
          ? ", over AMQPS from the emulator's built-in broker (own process, TLS terminated there, certificate verified)"
          : options.tls === true
            ? ', over AMQPS through a TLS front in the harness (certificate verified)'
            : '';
      return `ampstream run (compiled, node), default prefetch and batching, file sink, format ${format}, fsync on, dedup off${over}; ${how}`;
    },
    acks: true,
    get stop() {
      return stop;
    },
    format,
    ampstream: true,
    async prepare() {
      await prepareBuild(build);
      if (build.problem !== undefined) return build.problem;
      stop = build.stopOption === undefined ? 'sigterm-at-n' : 'exits';
      if (options.tls === true) {
        try {
          front = options.builtin === true ? await startBuiltinFront() : await startTlsFront();
        } catch (e) {
          return `cannot start the AMQPS front (needs openssl): ${(e as Error).message.split('\n')[0]}`;
        }
      }
      return undefined;
    },
    async dispose() {
      await front?.close();
      front = undefined;
    },
    ownBroker: () => front?.own,
    launch(ctx) {
      const configPath = resolve(ctx.dir, `${name}.yaml`);
      writeFileSync(configPath, stringify(benchConfig(ctx, format, { tls: front?.tls })));
      const args = [...benchNodeArgs(), build.entry, 'run', '--config', configPath];
      if (stop === 'exits' && build.stopOption !== undefined) args.push(build.stopOption, String(ctx.n));
      return { cmd: process.execPath, args, stdout: 'ignore', env: { [PASSWORD_ENV]: 'guest' } };
    },
  };
  return spec;
}
