import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  amqpYaml,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type BrokerKind,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { idsOfJsonl, spawnCli, type CliProcess } from './run-cli.js';

/**
 * Shared setup of the `ampstream run` tests: an in-memory emulator per test file (real
 * RabbitMQ behind its AMQPS front), one stream per test with a config delivering to a JSONL
 * file. Streams without filters receive every published event, so each test deletes its own
 * (also keeps under the 5-stream limit).
 */
export interface RunFixture {
  readonly emu: () => TestEmulator;
  /** `extra`: top-level YAML appended; `extraSinks`: sink list items added after `archive` */
  setup(extra?: string, password?: string, extraSinks?: string): Promise<RunSetup>;
}

export interface RunSetup {
  readonly dir: string;
  readonly config: string;
  readonly out: string;
  readonly stream: CreatedStream;
  readonly env: NodeJS.ProcessEnv;
}

export function useRunFixture(broker: BrokerKind = 'rabbitmq'): RunFixture {
  let emu: TestEmulator | undefined;
  const root = mkdtempSync(join(tmpdir(), 'ampstream-run-'));
  const created: number[] = [];
  beforeAll(async () => {
    emu = await withEmulator({}, broker);
  });
  afterEach(async () => {
    for (const id of created.splice(0))
      if (emu !== undefined) await apiRequest(emu, 'DELETE', `/v1/event_streams/${id}`);
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (): TestEmulator => {
    if (emu === undefined) throw new Error('emulator not started');
    return emu;
  };
  return {
    emu: get,
    async setup(extra = '', password?: string, extraSinks = '') {
      const e = get();
      const stream = await createStreamViaRest(e, { name: `run-${randomUUID()}` });
      created.push(stream.id);
      const c = stream.amqp_credentials;
      const dir = mkdtempSync(join(root, 'case-'));
      const config = join(dir, 'ampstream.yaml');
      writeFileSync(
        config,
        `streams:
  - id: ${stream.id}
    amqp: ${amqpYaml(c, 'env:TEST_AMQP_PASSWORD')}
    ca: ${e.caPath}
sinks:
  - name: archive
    type: file
    path: events.jsonl
${extraSinks}metrics: { listen: '127.0.0.1:0' }
reconnect: { initialMs: 50, maxMs: 500 }
${extra}`,
      );
      return {
        dir,
        config,
        out: join(dir, 'events.jsonl'),
        stream,
        env: { TEST_AMQP_PASSWORD: password ?? c.password },
      };
    },
  };
}

export function startRun(s: RunSetup, ...args: string[]): CliProcess {
  return spawnCli(['run', '--config', s.config, ...args], s.env);
}

/** Event ids in the output file, in file order. */
export const lines = (path: string): string[] =>
  existsSync(path) ? idsOfJsonl(readFileSync(path, 'utf8')) : [];

/** The /metrics base URL the daemon logged (metrics.listen 127.0.0.1:0 = a free port). */
export function metricsUrl(p: CliProcess): string {
  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.stderr());
  if (m?.[1] === undefined) throw new Error(`no metrics url in:\n${p.stderr()}`);
  return m[1];
}
