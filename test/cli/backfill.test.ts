import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/types.js';
import {
  amqpYaml,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { discardQueued } from '../helpers/gap.js';
import { PG } from '../helpers/services.js';
import { testVault } from '../helpers/vault.js';
import { CLI_TEST_TIMEOUT_MS, runCli, spawnCli, until } from './run-cli.js';
import { lines } from './run-setup.js';

/**
 * `ampstream backfill` and `run` with `backfill.onStart` against a real emulator (RabbitMQ
 * behind its AMQPS front) and a real JSON-lines file sink. A gap is made for real: events are
 * published, then taken out of the stream's queue without being delivered (test/helpers/gap.ts),
 * so only `/v1/events` still has them.
 */

interface Case {
  readonly emu: TestEmulator;
  readonly stream: CreatedStream;
  readonly config: string;
  readonly out: string;
  readonly env: NodeJS.ProcessEnv;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(options: EmulatorOptions = {}, extra = ''): Promise<Case> {
  const emu = await withEmulator(options);
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-backfill-'));
  cleanup.push(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const stream = await createStreamViaRest(emu, { name: `bf-${randomUUID()}` });
  const c = stream.amqp_credentials;
  const config = join(dir, 'ampstream.yaml');
  writeFileSync(
    config,
    `streams:
  - id: ${stream.id}
    amqp: ${amqpYaml(c, 'env:TEST_AMQP_PASSWORD')}
    ca: ${emu.caPath}
sinks:
  - name: archive
    type: file
    path: events.jsonl
${extra.includes('dedup:') ? '' : 'dedup: { enabled: true }\n'}metrics: { listen: '127.0.0.1:0' }
reconnect: { initialMs: 50, maxMs: 500 }
${extra}`,
  );
  return {
    emu,
    stream,
    config,
    out: join(dir, 'events.jsonl'),
    env: {
      TEST_AMQP_PASSWORD: c.password,
      AMPSTREAM_API_URL: emu.apiUrl,
      AMPSTREAM_CLIENT_ID: emu.clientId,
      AMPSTREAM_API_KEY: emu.apiKey,
      AMPSTREAM_CA: emu.caPath,
    },
  };
}

interface BackfillJson {
  readonly complete: boolean;
  readonly resumedFrom: number;
  readonly counts: {
    readonly pages: number;
    readonly delivered: number;
    readonly duplicates: number;
    readonly rateLimitWaits: number;
  };
}

async function backfill(c: Case, ...args: string[]): Promise<BackfillJson> {
  const r = await runCli(['backfill', '--config', c.config, '--json', ...args], c.env);
  if (r.code !== 0) throw new Error(`backfill exited ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout) as BackfillJson;
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();
const idsOf = (events: readonly { id?: string }[]): string[] => events.map((e) => e.id ?? '?');

describe('ampstream backfill', () => {
  it(
    'brings back a window of events no longer in any queue, and a second overlapping backfill delivers nothing twice',
    async () => {
      const c = await setup();
      const since = new Date(Date.now() - 2000).toISOString();
      const delivered = idsOf(await c.emu.publish(10));
      const run = await runCli(['run', '--config', c.config, '--stop-after', '10'], c.env);
      expect(run.code).toBe(0);
      expect(sorted(lines(c.out))).toEqual(sorted(delivered));

      const lost = idsOf(await c.emu.publish(15));
      expect(await discardQueued(c.emu, c.stream)).toBe(15);

      const first = await backfill(c, '--since', since, '--page-size', '4');
      expect(first.complete).toBe(true);
      expect(first.counts.delivered).toBe(15);
      expect(first.counts.duplicates).toBe(10);
      expect(sorted(lines(c.out))).toEqual(sorted([...delivered, ...lost]));

      // a wider window over the same events: everything in it was delivered already
      const wider = new Date(Date.parse(since) - 3_600_000).toISOString();
      const second = await backfill(c, '--since', wider);
      expect(second.counts.delivered).toBe(0);
      expect(second.counts.duplicates).toBe(25);
      expect(lines(c.out)).toHaveLength(25);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'waits out the 429s of a rate-limited API and still delivers the whole window',
    async () => {
      const c = await setup({ rateLimitPerHour: 2, rateLimitWindowMs: 1000 });
      const since = new Date(Date.now() - 2000).toISOString();
      const lost = idsOf(await c.emu.publish(120));
      await discardQueued(c.emu, c.stream);

      const r = await backfill(c, '--since', since, '--page-size', '20');
      expect(r.complete).toBe(true);
      expect(r.counts.rateLimitWaits).toBeGreaterThan(0);
      expect(sorted(lines(c.out))).toEqual(sorted(lost));
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'resumes a backfill killed mid-way from its checkpoint and delivers the rest, losing nothing',
    async () => {
      // the rate limit slows paging to a few pages a second, so the kill lands mid-way
      const c = await setup({ rateLimitPerHour: 3, rateLimitWindowMs: 1000 });
      const since = new Date(Date.now() - 2000).toISOString();
      const lost = idsOf(await c.emu.publish(600));
      await discardQueued(c.emu, c.stream);

      const args = ['backfill', '--config', c.config, '--json', '--since', since, '--page-size', '25'];
      const killed = spawnCli(args, c.env);
      await until(() => lines(c.out).length >= 100, 120_000, '100 events written');
      killed.child.kill('SIGKILL');
      const k = await killed.exited;
      expect(k.signal).toBe('SIGKILL');
      const before = lines(c.out).length;
      expect(before).toBeLessThan(600);

      const resumed = await backfill(c, '--since', since, '--page-size', '25');
      expect(resumed.complete).toBe(true);
      expect(resumed.resumedFrom).toBeGreaterThan(0);
      const all = lines(c.out);
      expect(sorted(new Set(all))).toEqual(sorted(lost));
      // at most the page in flight at the kill is written twice (at-least-once)
      expect(all.length - lost.length).toBeLessThanOrEqual(25);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

/** A fresh PostgreSQL schema for the dedup and run-state tables, dropped after the test. */
function pgSchema(): { readonly url: string; readonly schema: string } {
  const schema = `ampstream_bf_${randomBytes(5).toString('hex')}`;
  cleanup.push(async () => {
    const admin = new pg.Client({ ...PG });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  return { url: `postgres://${PG.user}@${PG.host}:${PG.port}/${PG.database}`, schema };
}

describe('ampstream backfill with dedup.store postgres', () => {
  it(
    'skips the events run delivered (remembered in PostgreSQL) and writes only the lost ones',
    async () => {
      const db = pgSchema();
      const c = await setup(
        {},
        `dedup: { enabled: true, store: postgres, url: '${db.url}', schema: ${db.schema} }\n`,
      );
      const since = new Date(Date.now() - 2000).toISOString();
      const delivered = idsOf(await c.emu.publish(10));
      const run = await runCli(['run', '--config', c.config, '--stop-after', '10'], c.env);
      expect(run.code).toBe(0);
      const lost = idsOf(await c.emu.publish(5));
      expect(await discardQueued(c.emu, c.stream)).toBe(5);

      const r = await backfill(c, '--since', since);
      expect(r.counts.duplicates).toBe(10);
      expect(r.counts.delivered).toBe(5);
      const all = lines(c.out);
      expect(all).toHaveLength(15);
      expect(sorted(all)).toEqual(sorted([...delivered, ...lost]));
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('ampstream backfill --org', () => {
  it(
    'takes the login stored as api/<org> in the vault, and without --org looks for api/default',
    async () => {
      const c = await setup();
      const since = new Date(Date.now() - 2000).toISOString();
      const lost = idsOf(await c.emu.publish(6));
      await discardQueued(c.emu, c.stream);
      const v = await testVault(join(tmpdir(), `ampstream-bf-vault-${randomUUID()}.json`), 'pass phrase');
      cleanup.push(async () => rmSync(v.env.AMPSTREAM_VAULT, { force: true }));
      await v.vault.set(
        'api/acme',
        JSON.stringify({
          clientId: c.emu.clientId,
          apiKey: c.emu.apiKey,
          baseUrl: c.emu.apiUrl,
          ca: c.emu.caPem,
        }),
      );
      const env = { TEST_AMQP_PASSWORD: c.env['TEST_AMQP_PASSWORD'], ...v.env };

      const other = await runCli(['backfill', '--config', c.config, '--since', since], env);
      expect(other.code).not.toBe(0);
      expect(other.stderr).toMatch(/no API credentials/);

      const r = await runCli(
        ['backfill', '--config', c.config, '--org', 'acme', '--since', since, '--json'],
        env,
      );
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as BackfillJson).counts.delivered).toBe(6);
      expect(sorted(lines(c.out))).toEqual(sorted(lost));
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('ampstream run with backfill.onStart', () => {
  it(
    'backfills the gap left while it was down before consuming, writing each event once',
    async () => {
      const c = await setup({}, 'backfill: { onStart: true, maxGap: 1s }\n');
      const firstIds = idsOf(await c.emu.publish(5));
      const first = await runCli(['run', '--config', c.config, '--stop-after', '5'], c.env);
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/no delivery recorded yet/);

      const lost = idsOf(await c.emu.publish(7));
      await discardQueued(c.emu, c.stream);
      await new Promise((r) => setTimeout(r, 2100)); // down for longer than maxGap
      const queued = idsOf(await c.emu.publish(3)); // still in the queue and in /v1/events

      const second = await runCli(['run', '--config', c.config, '--exit-when-idle', '2'], c.env);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/older than backfill.maxGap/);
      const all = lines(c.out);
      expect(sorted(all)).toEqual(sorted([...firstIds, ...lost, ...queued]));
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('ampstream run with backfill.onStart and the state in PostgreSQL', () => {
  it(
    'finds the last delivery another replica recorded, and backfills the gap on a machine with no local state',
    async () => {
      const db = pgSchema();
      const dedup = (path: string): string =>
        `dedup: { enabled: true, store: postgres, url: '${db.url}', schema: ${db.schema}, path: ${path} }\n`;
      const c = await setup(
        {},
        `backfill: { onStart: true, maxGap: 1s }\n${dedup('machine-a/dedup.sqlite')}`,
      );
      const firstIds = idsOf(await c.emu.publish(5));
      const first = await runCli(['run', '--config', c.config, '--stop-after', '5'], c.env);
      expect(first.code).toBe(0);

      const lost = idsOf(await c.emu.publish(7));
      await discardQueued(c.emu, c.stream);
      await new Promise((r) => setTimeout(r, 2100)); // down for longer than maxGap
      const queued = idsOf(await c.emu.publish(3));
      // another replica, another machine: nothing local, the same PostgreSQL
      writeFileSync(c.config, readFileSync(c.config, 'utf8').replace('machine-a/', 'machine-b/'));

      const second = await runCli(['run', '--config', c.config, '--exit-when-idle', '2'], c.env);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/older than backfill.maxGap/);
      expect(sorted(lines(c.out))).toEqual(sorted([...firstIds, ...lost, ...queued]));
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
