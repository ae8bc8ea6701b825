import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { describe, expect, it } from 'vitest';
import { isAmpError } from '../../../src/errors.js';
import { getFormat } from '../../../src/formats/index.js';
import { DeferredSink } from '../../../src/sinks/shared/deferred.js';
import { registeredSinks } from '../../../src/sinks/registry.js';
import type { Sink, SinkRecord } from '../../../src/sinks/types.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { RABBIT_URL } from '../../helpers/services.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

/** A sink that records what was called on it. */
function recordingSink(calls: string[]): Sink {
  return {
    name: 's',
    start: async () => void calls.push('start'),
    write: async (batch: readonly SinkRecord[]) => void calls.push(`write ${batch.length}`),
    close: async () => void calls.push('close'),
  };
}

describe('a sink loaded on start', () => {
  it('imports its implementation only when started, then passes every call through', async () => {
    const calls: string[] = [];
    let loads = 0;
    const s = new DeferredSink('s', async () => {
      loads++;
      return recordingSink(calls);
    });
    expect(loads).toBe(0);
    await s.start();
    await s.write([]);
    await s.close();
    await s.close();
    expect(loads).toBe(1);
    expect(calls).toEqual(['start', 'write 0', 'close', 'close']);
  });

  it('refuses a write before start and after close, and is never loaded when closed first', async () => {
    let loads = 0;
    const s = new DeferredSink('s', async () => {
      loads++;
      return recordingSink([]);
    });
    const early = await s.write([]).catch((e: unknown) => e);
    expect(isAmpError(early) && early.code).toBe('INTERNAL');
    await s.close();
    const late = await s.start().catch((e: unknown) => e);
    expect(isAmpError(late) && late.message).toMatch(/closed/);
    expect(loads).toBe(0);
  });

  it('closes what it loaded when close() comes while the load is in flight', async () => {
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const s = new DeferredSink('s', async () => {
      await gate;
      return recordingSink(calls);
    });
    const starting = s.start().catch((e: unknown) => e);
    const closing = s.close();
    release();
    await closing;
    expect(isAmpError(await starting)).toBe(true);
    expect(calls).toEqual(['close']);
  });

  it('every registered sink type is created without loading its implementation', () => {
    for (const f of registeredSinks) {
      const options = f.options.parse(minimalOptions(f.type));
      const sink = f.create(options, {
        name: f.type,
        format: getFormat('raw'),
        logger: silentLogger,
        resolveSecret: async () => '',
      });
      expect(sink.name).toBe(f.type);
    }
  });

  it('`ampstream run` loads no sink client library (undici, pg, nats) before a sink of that type starts', async () => {
    const probe = `
      import { createRequire } from 'node:module';
      await import('./src/cli/main.ts');
      await import('./src/cli/commands/run-command.ts');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((f) => /node_modules\\/(undici|pg|@nats-io)\\//.test(f))));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: repo,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null')).toEqual([]);
  });
});

/** What `ampstream run` had loaded when it exited: packages (node_modules/<package>) and the repo's own src/ files. */
interface Loaded {
  readonly packages: string[];
  readonly own: string[];
}

/**
 * What `ampstream run --exit-when-idle` had loaded when it exited (exit code 0: it connected and
 * went idle), with `metrics.listen: <listen>`, on a fresh queue of the local RabbitMQ: the
 * CommonJS modules (require.cache) and the ES modules (a load hook registered before the CLI is
 * imported records every file: URL; require.cache alone misses ES-only packages such as
 * lru-cache or the AMQP client).
 */
async function loadedByRun(listen: string): Promise<Loaded> {
  const queue = `ampstream-deferred-${randomUUID()}`;
  const amqp = new AMQPClient(RABBIT_URL);
  await amqp.connect();
  const ch = await amqp.channel();
  await ch.queueDeclare(queue, { durable: false, autoDelete: false });
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-deferred-'));
  const url = new URL(RABBIT_URL);
  try {
    const config = join(dir, 'ampstream.yaml');
    writeFileSync(
      config,
      `streams:
  - name: s
    amqp: { url: "amqp://${url.username}@${url.host}", password: "env:TEST_AMQP_PASSWORD", queue: ${queue} }
sinks:
  - { name: out, type: file, path: ${join(dir, 'out.jsonl')} }
dedup: { enabled: false }
deadLetter: { path: ${join(dir, 'dead.jsonl')} }
metrics: { listen: ${listen} }
`,
    );
    const esmLog = join(dir, 'esm.log');
    const hook = `
      import { appendFileSync } from 'node:fs';
      let out;
      export function initialize(data) { out = data.out; }
      export async function load(url, context, next) {
        if (url.startsWith('file:')) appendFileSync(out, url + '\\n');
        return next(url, context);
      }
    `;
    const probe = `
      import { createRequire, register } from 'node:module';
      import { readFileSync, writeSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { out: ${JSON.stringify(esmLog)} } });
      process.on('exit', () => {
        const esm = readFileSync(${JSON.stringify(esmLog)}, 'utf8').split('\\n').filter(Boolean).map((u) => fileURLToPath(u));
        const files = [...new Set([...Object.keys(createRequire(import.meta.url).cache), ...esm])];
        const name = (f) => f.split('/node_modules/').at(-1).split('/').slice(0, f.split('/node_modules/').at(-1).startsWith('@') ? 2 : 1).join('/');
        const packages = [...new Set(files.filter((f) => f.includes('/node_modules/')).map(name))].sort();
        const own = files.filter((f) => f.startsWith(${JSON.stringify(join(repo, 'src') + '/')})).map((f) => f.slice(${JSON.stringify(repo.length + 1)})).sort();
        writeSync(1, '\\n' + JSON.stringify({ packages, own }) + '\\n');
      });
      process.env.AMPSTREAM_CLI_ENTRY = '1';
      process.argv = [process.argv[0], 'ampstream', 'run', '--config', ${JSON.stringify(config)}, '--exit-when-idle', '0.5'];
      await import('./src/cli/main.ts');
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: repo,
      env: {
        ...process.env,
        TEST_AMQP_PASSWORD: decodeURIComponent(url.password),
        AMPSTREAM_LOG_LEVEL: 'warn',
      },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as Loaded;
  } finally {
    await ch.queueDelete(queue).catch(() => undefined);
    await amqp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what `ampstream run` loads for its config', () => {
  it("with metrics off, dedup off and a file sink it loads neither metrics, pretty printer, SQLite, other sinks' clients nor other commands' modules", async () => {
    const { packages, own } = await loadedByRun('false');
    // the lists are real: the logger (CommonJS), the AMQP client (ES only) and the pipeline are there
    expect(packages).toEqual(expect.arrayContaining(['pino', '@cloudamqp/amqp-client', 'zod']));
    expect(own).toContain('src/pipeline/pipeline.ts');
    expect(
      packages.filter((p) =>
        /^(prom-client|@opentelemetry\/.*|tdigest|bintrees|pino-pretty|better-sqlite3|lru-cache|pg|undici|@nats-io\/.*|hono|@hono\/.*|@faker-js\/.*)$/.test(
          p,
        ),
      ),
    ).toEqual([]);
    expect(
      own.filter((f) =>
        /^src\/(emulator|dashboard|doctor|streams|api\/client)|^src\/pipeline\/(dedup|run-state|backfill-source)\.ts$|^src\/daemon\/backfill\.ts$/.test(
          f,
        ),
      ),
    ).toEqual([]);
  }, 120_000);

  it('with a metrics listener it loads prom-client', async () => {
    expect((await loadedByRun("'127.0.0.1:0'")).packages).toContain('prom-client');
  }, 120_000);
});

function minimalOptions(type: string): Record<string, unknown> {
  switch (type) {
    case 'file':
      return { type, path: '/tmp/x.jsonl' };
    case 'http':
      return { type, url: 'https://example.com/in' };
    case 'splunk-hec':
      return { type, url: 'https://example.com:8088', token: 'env:T' };
    case 'syslog':
      return { type, host: 'logs.example.com' };
    case 'postgres':
      return { type };
    case 'nats':
      return { type, servers: ['nats://127.0.0.1:4222'], subject: 'x' };
    default:
      return { type };
  }
}
