import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { amqpYaml, apiRequest, createStreamViaRest, type CreatedStream } from '../helpers/emulator.js';
import { PG_URL, usePgSchemas } from '../helpers/pg-schemas.js';
import { PG } from '../helpers/services.js';
import { CLI_TEST_TIMEOUT_MS, queueDepth, spawnCli, until, type CliProcess } from './run-cli.js';
import { lines, metricsUrl, startRun, useRunFixture } from './run-setup.js';

/**
 * Replicas (docs/leases.md): several `ampstream run` processes on one config share its streams
 * under leases in PostgreSQL, with dedup shared there too. Real processes, a real PostgreSQL,
 * the emulator in front of the real RabbitMQ.
 */
const f = useRunFixture();
const pgs = usePgSchemas('ampstream_fleet');
const schema = (): string => pgs.fresh();
const procs: CliProcess[] = [];

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
});

/** YAML: replicas and dedup in one fresh schema; a postgres sink in another. */
function fleetYaml(fleet: string): string {
  return `replicas: { url: '${PG_URL}', schema: ${fleet} }
dedup: { enabled: true, store: postgres, url: '${PG_URL}', schema: ${fleet} }
`;
}

const holds = (p: CliProcess): boolean => /"msg":"lease gained/.test(p.stderr());

async function leaseGauge(p: CliProcess): Promise<string[]> {
  const text = await (await fetch(`${metricsUrl(p)}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('ampstream_stream_lease{') && l.endsWith(' 1'));
}

/** The 60,000-event drain takes minutes on a shared 2-core machine: a bound on hangs, not a speed goal. */
const DRAIN_BUDGET_MS = 600_000;

describe('ampstream run with replicas', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it(
    '3 replicas on one stream: only the lease holder consumes; SIGKILLed mid-drain of 60,000 events, a standby takes over with 0 lost, file duplicates ≤ one batch and none in PostgreSQL',
    { timeout: 2 * DRAIN_BUDGET_MS },
    async () => {
      const fleet = schema();
      const sinkSchema = schema();
      const s = await f.setup(
        fleetYaml(fleet),
        undefined,
        `  - { name: db, type: postgres, host: ${PG.host}, port: ${PG.port}, user: ${PG.user}, database: ${PG.database}, schema: ${sinkSchema} }\n`,
      );
      const total = 60_000;
      const published = (await f.emu().publish(total)).map((e) => e.id);
      const replicas = [0, 1, 2].map(() => startRun(s));
      procs.push(...replicas);
      for (const p of replicas) await p.waitFor(/"msg":"running"/);
      // counted in the postgres sink: re-reading a growing 60 MB file every 50 ms would starve the
      // emulator's AMQPS front, which runs in this process
      const stored = async (): Promise<number> => {
        const r = await pgs.admin
          .query<{ n: string }>(`SELECT count(*) AS n FROM ${sinkSchema}.ampstream_events`)
          .catch(() => ({ rows: [{ n: '0' }] }));
        return Number(r.rows[0]?.n ?? 0);
      };
      await until(async () => (await stored()) >= 5_000, DRAIN_BUDGET_MS, 'the holder is draining');
      const holders = replicas.filter(holds);
      expect(holders).toHaveLength(1);
      const holder = holders[0] as CliProcess;
      const standbys = replicas.filter((p) => p !== holder);
      for (const p of standbys) expect(p.stderr()).not.toMatch(/"msg":"starting pipeline"/);
      expect(await leaseGauge(holder)).toEqual([
        expect.stringMatching(new RegExp(`stream="${s.stream.id}",org="default",replica=".+"\\} 1$`)),
      ]);
      for (const p of standbys) expect(await leaseGauge(p)).toEqual([]);
      for (const p of standbys) {
        const r = await fetch(`${metricsUrl(p)}/healthz`);
        expect(r.status).toBe(200); // a standby is healthy
        expect(((await r.json()) as { replica: { leases: string[] } }).replica.leases).toEqual([]);
      }
      const h = (await (await fetch(`${metricsUrl(holder)}/healthz`)).json()) as {
        replica: { leases: string[] };
      };
      expect(h.replica.leases).toEqual([`default/${s.stream.id}`]);

      holder.child.kill('SIGKILL');
      await holder.exited;
      expect(await stored()).toBeLessThan(total); // killed mid-drain

      await until(
        async () =>
          (await stored()) >= total && (await queueDepth(s.stream.amqp_credentials.queue_name)) === 0,
        DRAIN_BUDGET_MS,
        'the standby drained the rest',
      );
      const takers = standbys.filter(holds);
      expect(takers).toHaveLength(1);

      const all = lines(s.out);
      expect(new Set(all)).toEqual(new Set(published)); // 0 lost
      expect(all.length - total).toBeLessThanOrEqual(500); // batch.maxEvents: the one batch in flight at the kill
      const rows = await pgs.admin.query<{ n: string; ids: string }>(
        `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM ${sinkSchema}.ampstream_events`,
      );
      expect(rows.rows[0]).toEqual({ n: String(total), ids: String(total) });

      for (const p of standbys) p.child.kill('SIGTERM');
      for (const p of standbys) expect((await p.exited).code).toBe(0);
      const leases = await pgs.admin.query(
        `SELECT count(*) AS n FROM ${fleet}.ampstream_leases WHERE expires_at > now()`,
      );
      expect(leases.rows[0]).toEqual({ n: '0' }); // released on the way out
    },
  );

  it('exits 75 (try again later) with a hint when the lease store cannot be reached at start', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there
    const s = await f.setup(`replicas: { url: 'postgres://postgres@127.0.0.1:${port}/test' }\n`);
    const r = await startRun(s).exited;
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/replicas\.url/);
  });

  it('5 streams over 3 replicas are spread, not all on one, each held by exactly one', async () => {
    const e = f.emu();
    const streams: CreatedStream[] = [];
    try {
      for (let i = 0; i < 5; i++)
        streams.push(await createStreamViaRest(e, { name: `fleet-${randomUUID()}` }));
      const fleet = schema();
      const dir = mkdtempSync(join(tmpdir(), 'ampstream-fleet-'));
      const config = join(dir, 'fleet.yaml');
      const env: NodeJS.ProcessEnv = {};
      const entries = streams.map((st, i) => {
        const c = st.amqp_credentials;
        env[`TEST_AMQP_PASSWORD_${i}`] = c.password;
        return `  - id: ${st.id}
    amqp: ${amqpYaml(c, `env:TEST_AMQP_PASSWORD_${i}`)}
    ca: ${e.caPath}`;
      });
      writeFileSync(
        config,
        `streams:
${entries.join('\n')}
sinks:
  - { name: archive, type: file, path: events.jsonl }
metrics: { listen: '127.0.0.1:0' }
replicas: { url: '${PG_URL}', schema: ${fleet} }
`,
      );
      const replicas = [0, 1, 2].map(() => spawnCli(['run', '--config', config], env));
      procs.push(...replicas);
      for (const p of replicas) await p.waitFor(/"msg":"running"/);
      const spread = async (): Promise<boolean> => {
        const held = await Promise.all(replicas.map(leaseGauge));
        const all = held.flat().map((l) => /stream="(\d+)"/.exec(l)?.[1]);
        return (
          new Set(all).size === 5 && all.length === 5 && held.every((h) => h.length >= 1 && h.length <= 2)
        );
      };
      await until(spread, 120_000, '5 streams spread 2/2/1 over 3 replicas');
      const rows = await pgs.admin.query<{ holders: string }>(
        `SELECT count(DISTINCT holder) AS holders FROM ${fleet}.ampstream_leases WHERE expires_at > now()`,
      );
      expect(rows.rows[0]).toEqual({ holders: '3' });
      for (const p of replicas) p.child.kill('SIGTERM');
      for (const p of replicas) expect((await p.exited).code).toBe(0);
    } finally {
      for (const st of streams) await apiRequest(e, 'DELETE', `/v1/event_streams/${st.id}`);
    }
  });
});
