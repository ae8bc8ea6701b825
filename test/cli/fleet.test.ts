import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand, planCommand } from '../../src/cli/commands/plan-command.js';
import { runStatePathFor, SqliteRunStateStore } from '../../src/pipeline/run-state.js';
import { openUserVault } from '../../src/secrets/open.js';
import { apiRequest, withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { CLI_TEST_TIMEOUT_MS, inProcess, runCli, spawnCli, until } from './run-cli.js';
import { metricsUrl } from './run-setup.js';

/**
 * Two organisations of one multi-organisation emulator: `apply` creates the declared streams
 * in both, is idempotent, `plan --exit-code` reports drift, refusals happen before anything
 * is sent, one organisation's failure leaves the other applied, and `run` consumes what
 * `apply` created with the organisation on every record.
 */

const PASSPHRASE = 'fleet test passphrase';
const THREAT_DETECTED = 1090519054;

let emu: TestEmulator;
let dir: string;
const saved: Record<string, string | undefined> = {};
const env = (): NodeJS.ProcessEnv => ({
  AMPSTREAM_VAULT: join(dir, 'vault.json'),
  AMPSTREAM_VAULT_PASSPHRASE: PASSPHRASE,
  ACME_KEY: emu.organisations[0]!.apiKey,
  GLOBEX_KEY: emu.organisations[1]!.apiKey,
  WRONG_KEY: 'not-the-key',
});

function org(i: number) {
  const o = emu.organisations[i]!;
  return { clientId: o.clientId, apiKey: o.apiKey };
}

async function streamsOf(i: number): Promise<{ id: number; name: string; event_types: number[] }[]> {
  const r = await apiRequest(emu, 'GET', '/v1/event_streams', org(i));
  return r.body.data as { id: number; name: string; event_types: number[] }[];
}

/** A config with both organisations; `streams` is the YAML list of declared streams. */
function writeConfig(name: string, streams: string, globexKey = 'env:GLOBEX_KEY'): string {
  const [acme, globex] = emu.organisations;
  const path = join(dir, name);
  writeFileSync(
    path,
    `organisations:
  - { name: acme, apiUrl: '${emu.apiUrl}', clientId: '${acme!.clientId}', apiKey: env:ACME_KEY, ca: '${emu.caPath}' }
  - { name: globex, apiUrl: '${emu.apiUrl}', clientId: '${globex!.clientId}', apiKey: ${globexKey}, ca: '${emu.caPath}' }
streams:
${streams}
sinks:
  - { name: archive, type: file, path: events.jsonl }
  - { name: globex-only, type: file, path: globex.jsonl, streams: ['globex:servers'] }
dedup: { enabled: true, path: dedup.sqlite }
backfill: { onStart: true, maxGap: 10d }
metrics: { listen: '127.0.0.1:0' }
reconnect: { initialMs: 50, maxMs: 500 }
`,
  );
  return path;
}

let globexGroup: { guid: string; name: string };
let mainConfig: string;
/** before any event is published (epoch seconds): the backfill window's start */
const started = Math.floor(Date.now() / 1000) - 2;

beforeAll(async () => {
  emu = await withEmulator({ organisations: ['acme', 'globex'] }, 'builtin');
  dir = mkdtempSync(join(tmpdir(), 'ampstream-fleet-'));
  for (const [k, v] of Object.entries(env())) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  globexGroup = emu.organisations[1]!.fleet.groups[0]!;
  mainConfig = writeConfig(
    'ampstream.yaml',
    `  - { name: alerts, org: acme, eventTypes: [Threat Detected] }
  - { name: everything, org: acme }
  - { name: servers, org: globex, groups: [${JSON.stringify(globexGroup.name)}] }`,
  );
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

const apply = (config: string, more: { allowDelete?: boolean; json?: boolean } = {}) =>
  inProcess(() => applyCommand({ config, allowDelete: more.allowDelete ?? false, json: more.json ?? false }));
const plan = (config: string) =>
  inProcess(() => planCommand({ config, allowDelete: false, json: false, exitCode: true }));

describe('ampstream plan / apply over two organisations', () => {
  it('creates the declared streams in both organisations, with each password in the vault under its org', async () => {
    const before = await plan(mainConfig);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain('organisation acme');
    expect(before.stdout).toMatch(/\+ create\s+alerts\s+event types: Threat Detected; groups: all/);
    expect(before.stdout).toMatch(
      new RegExp(`\\+ create\\s+servers\\s+event types: all; groups: ${globexGroup.name}`),
    );

    const r = await apply(mainConfig);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const acme = await streamsOf(0);
    const globex = await streamsOf(1);
    expect(acme.map((s) => s.name).sort()).toEqual(['alerts', 'everything']);
    expect(acme.find((s) => s.name === 'alerts')?.event_types).toEqual([THREAT_DETECTED]);
    expect(globex.map((s) => s.name)).toEqual(['servers']);

    const vault = (await openUserVault({ env: env() }))!;
    for (const [o, list] of [
      ['acme', acme],
      ['globex', globex],
    ] as const)
      for (const s of list) {
        const entry = JSON.parse(vault.get(`stream/${s.id}`) ?? '{}') as Record<string, string>;
        expect(entry).toMatchObject({ org: o, name: s.name });
        expect(entry['password']?.length).toBeGreaterThan(0);
        expect(r.stdout).toContain(
          `created    ${s.name} (id ${s.id}), credentials in the vault as stream/${s.id}`,
        );
      }
  });

  it('changes nothing on a second apply, and plan --exit-code then exits 0', async () => {
    const again = await apply(mainConfig);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('organisation acme\n  nothing to do\norganisation globex\n  nothing to do\n');
    const p = await plan(mainConfig);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.');
  });

  it('exits 2 from plan --exit-code once a filter is changed behind its back, and apply puts it back', async () => {
    const alerts = (await streamsOf(0)).find((s) => s.name === 'alerts')!;
    const patch = await apiRequest(emu, 'PATCH', `/v1/event_streams/${alerts.id}`, {
      ...org(0),
      body: { event_type: [] },
    });
    expect(patch.status).toBe(200);
    const p = await plan(mainConfig);
    expect(p.code).toBe(2);
    expect(p.stdout).toMatch(
      new RegExp(`~ update\\s+alerts \\(id ${alerts.id}\\)\\s+event types: all → Threat Detected`),
    );
    expect((await apply(mainConfig)).code).toBe(0);
    expect((await streamsOf(0)).find((s) => s.name === 'alerts')?.event_types).toEqual([THREAT_DETECTED]);
    expect((await plan(mainConfig)).code).toBe(0);
  });

  it('refuses more than 5 streams in an organisation before sending anything', async () => {
    const six = Array.from({ length: 6 }, (_, i) => `  - { name: s${i}, org: acme }`).join('\n');
    const config = writeConfig(
      'six.yaml',
      `${six}\n  - { name: servers, org: globex, groups: [${JSON.stringify(globexGroup.name)}] }`,
    );
    const before = await streamsOf(0);
    const r = await apply(config);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /organisation acme: cannot plan|acme: nothing applied \(could not plan: organisation acme: 8 event streams after apply/,
    );
    expect(r.stdout).toContain('at most 5 per organisation');
    expect(await streamsOf(0)).toEqual(before);
  });

  it('refuses a declared name that differs only in case from an existing stream, before sending anything', async () => {
    const config = writeConfig(
      'clash.yaml',
      `  - { name: Alerts, org: acme }\n  - { name: alerts, org: acme, eventTypes: [Threat Detected] }\n  - { name: everything, org: acme }\n  - { name: servers, org: globex, groups: [${JSON.stringify(globexGroup.name)}] }`,
    );
    const before = await streamsOf(0);
    const r = await apply(config);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/differs? only in case/);
    expect(await streamsOf(0)).toEqual(before);
  });

  it('applies one organisation when the other answers 401, and says what is left to do there', async () => {
    const config = writeConfig(
      'partial.yaml',
      `  - { name: alerts, org: acme, eventTypes: [Threat Detected] }
  - { name: everything, org: acme }
  - { name: audit, org: acme }
  - { name: servers, org: globex, groups: [${JSON.stringify(globexGroup.name)}] }
  - { name: laptops, org: globex }`,
      'env:WRONG_KEY',
    );
    const r = await apply(config);
    expect(r.code).toBe(77);
    expect((await streamsOf(0)).map((s) => s.name).sort()).toEqual(['alerts', 'audit', 'everything']);
    expect((await streamsOf(1)).map((s) => s.name)).toEqual(['servers']);
    expect(r.stdout).toMatch(/created {4}audit \(id \d+\)/);
    expect(r.stdout).toContain('Left to do');
    expect(r.stdout).toMatch(
      /globex: nothing applied \(could not plan: .*401|globex: nothing applied \(could not plan: .*(Unknown API key|refused)/i,
    );
    // the remaining work is done by the next run once the key is right
    const fixed = writeConfig(
      'fixed.yaml',
      readFileSync(config, 'utf8').split('streams:\n')[1]!.split('sinks:')[0]!.trimEnd(),
    );
    const r2 = await apply(fixed);
    expect(r2.code).toBe(0);
    expect((await streamsOf(1)).map((s) => s.name).sort()).toEqual(['laptops', 'servers']);
  });

  it('applies the organisation that answers while one answers 401 and another 429, and lists what is left in both', async () => {
    // a third organisation on a second emulator side by side, its hourly budget already spent
    const other = await withEmulator({ organisations: ['initech'], rateLimitPerHour: 2 }, 'builtin');
    try {
      for (let i = 0; i < 2; i++) await apiRequest(other, 'GET', '/v1/version');
      expect((await apiRequest(other, 'GET', '/v1/version')).status).toBe(429);
      process.env['INITECH_KEY'] = other.apiKey;
      const base = writeConfig(
        'three.yaml',
        `  - { name: alerts, org: acme, eventTypes: [Threat Detected] }
  - { name: everything, org: acme }
  - { name: audit, org: acme }
  - { name: extra, org: acme }
  - { name: servers, org: globex, groups: [${JSON.stringify(globexGroup.name)}] }
  - { name: laptops, org: globex }
  - { name: alerts, org: initech }`,
        'env:WRONG_KEY',
      );
      const text = readFileSync(base, 'utf8').replace(
        'streams:\n',
        `  - { name: initech, apiUrl: '${other.apiUrl}', clientId: '${other.clientId}', apiKey: env:INITECH_KEY, ca: '${other.caPath}' }\nstreams:\n`,
      );
      writeFileSync(base, text);
      const r = await apply(base);
      expect(r.code).toBe(77); // the first failure's code: globex's 401
      expect((await streamsOf(0)).map((s) => s.name).sort()).toEqual([
        'alerts',
        'audit',
        'everything',
        'extra',
      ]);
      expect(r.stdout).toMatch(/created {4}extra \(id \d+\)/);
      expect(r.stdout).toMatch(/globex: nothing applied \(could not plan: .*HTTP 401/);
      expect(r.stdout).toMatch(/initech: nothing applied \(could not plan: .*HTTP 429/);
      expect((await apiRequest(other, 'GET', '/v1/event_streams')).status).toBe(429);
    } finally {
      delete process.env['INITECH_KEY'];
      await other.close();
    }
  });

  it(
    'runs what apply created: events from both organisations, each record carrying its organisation',
    async () => {
      const out = join(dir, 'events.jsonl');
      const run = spawnCli(['run', '--config', mainConfig, '--log-level', 'info'], env());
      try {
        await run.waitFor(
          /"msg":"starting pipeline"[\s\S]*"msg":"starting pipeline"[\s\S]*"msg":"starting pipeline"/,
          'stderr',
          180_000,
        );
        expect(run.stderr()).toContain('"org":"globex"');
        await run.waitFor(/"msg":"running"/);
        const metrics = await (await fetch(`${metricsUrl(run)}/metrics`)).text();
        for (const [stream, o] of [
          ['acme:alerts', 'acme'],
          ['acme:everything', 'acme'],
          ['globex:servers', 'globex'],
        ])
          expect(metrics).toContain(`ampstream_stream_organisation{stream="${stream}",org="${o}"} 1`);
        await until(async () => (await emu.queueDepth((await streamsOf(1))[0]!.id)) !== undefined, 30_000);
        await emu.organisations[0]!.publish(20, { eventTypeIds: [THREAT_DETECTED] });
        await emu.organisations[1]!.publish(10, { groupGuids: [globexGroup.guid] });
        // acme: 20 events reach both `alerts` (Threat Detected) and `everything`; globex: 10
        const lines = (): string[] =>
          existsSync(out)
            ? readFileSync(out, 'utf8')
                .split('\n')
                .filter((l) => l !== '')
            : [];
        await until(() => lines().length >= 50, 120_000, '50 records');
        const byOrg = new Map<string, number>();
        for (const l of lines()) {
          const m = /^\{"organization":\{"name":"([a-z]+)"\},"/.exec(l);
          expect(m, l.slice(0, 80)).not.toBeNull();
          byOrg.set(m![1]!, (byOrg.get(m![1]!) ?? 0) + 1);
        }
        expect(Object.fromEntries(byOrg)).toEqual({ acme: 40, globex: 10 });
        // a sink routed to one organisation's stream by <org>:<name>
        const globexOnly = join(dir, 'globex.jsonl');
        await until(
          () => existsSync(globexOnly) && readFileSync(globexOnly, 'utf8').split('\n').length > 10,
          60_000,
        );
        const only = readFileSync(globexOnly, 'utf8')
          .split('\n')
          .filter((l) => l !== '');
        expect(only).toHaveLength(10);
        for (const l of only) expect(l.startsWith('{"organization":{"name":"globex"},')).toBe(true);
      } finally {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "backfills one organisation: its streams' dedup stores skip what run delivered, its sinks get the rest with the organisation on every record",
    async () => {
      const out = join(dir, 'events.jsonl');
      const globexOnly = join(dir, 'globex.jsonl');
      const read = (f: string): string[] =>
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l !== '');
      const before = read(out).length;
      await emu.organisations[1]!.publish(4, { groupGuids: [globexGroup.guid] }); // left in the queue
      const r = await runCli(
        ['backfill', '--config', mainConfig, '--org', 'globex', '--since', String(started), '--json'],
        env(),
      );
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { counts: { delivered: number; duplicates: number } };
      expect(result.counts).toMatchObject({ delivered: 4, duplicates: 10 });
      const added = read(out).slice(before);
      expect(added).toHaveLength(4);
      for (const l of added) expect(l.startsWith('{"organization":{"name":"globex"},')).toBe(true);
      expect(read(globexOnly)).toHaveLength(14);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('recorded the last delivery of run per organisation (backfill.onStart), none under default', async () => {
    const store = new SqliteRunStateStore(runStatePathFor(join(dir, 'dedup.sqlite')));
    try {
      expect(await store.lastDelivered('acme')).toBeDefined();
      expect(await store.lastDelivered('globex')).toBeDefined();
      expect(await store.lastDelivered('default')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
