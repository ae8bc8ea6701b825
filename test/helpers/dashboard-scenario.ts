import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { spawnCli, until, type CliProcess } from '../cli/run-cli.js';
import {
  amqpYaml,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from './emulator.js';
import { HecServer } from './hec-server.js';

/**
 * A running `ampstream run` with the dashboard on, for the browser test and the screenshot
 * script (scripts/dashboard-screenshot.ts): the emulator, one stream per name, a file sink
 * `archive` and a Splunk HEC sink `siem` (the HEC test server, whose faults make it fail).
 */
export interface DashboardScenario {
  readonly emu: TestEmulator;
  readonly hec: HecServer;
  readonly run: CliProcess;
  readonly streams: readonly CreatedStream[];
  /** the dashboard's base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

export async function startDashboardScenario(
  o: { readonly streams?: readonly string[]; readonly extraYaml?: string } = {},
): Promise<DashboardScenario> {
  const emu = await withEmulator();
  const hec = await HecServer.start({ tokens: { 'hec-token': {} } });
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-dashboard-'));
  const streams: CreatedStream[] = [];
  const env: NodeJS.ProcessEnv = { HEC_TOKEN: 'hec-token' };
  const names = o.streams ?? ['alerts'];
  for (const name of names) streams.push(await createStreamViaRest(emu, { name: `${name}-${randomUUID()}` }));
  const yaml = `streams:
${streams
  .map((s, i) => {
    const c = s.amqp_credentials;
    env[`PW_${i}`] = c.password;
    return `  - id: ${s.id}
    name: ${names[i] ?? s.id}
    amqp: ${amqpYaml(c, `env:PW_${i}`)}
    ca: ${emu.caPath}`;
  })
  .join('\n')}
sinks:
  - name: archive
    type: file
    path: events.jsonl
  - name: siem
    type: splunk-hec
    url: ${hec.url}
    token: env:HEC_TOKEN
    allowHttp: true # the test receiver is on loopback
metrics:
  listen: '127.0.0.1:0'
  dashboard: { enabled: true }
health: { maxSinkRetrySeconds: 2 }
batch: { maxWaitMs: 50 }
reconnect: { initialMs: 50, maxMs: 500 }
${o.extraYaml ?? ''}`;
  const config = join(dir, 'ampstream.yaml');
  writeFileSync(config, yaml);
  const run = spawnCli(['run', '--config', config], env);
  let url = '';
  await until(
    () => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/".*"msg":"dashboard"/.exec(run.stderr());
      if (m?.[1] !== undefined) url = m[1];
      return url !== '' && run.stderr().includes('"msg":"running"');
    },
    60_000,
    `the daemon's dashboard URL in:\n${run.stderr()}`,
  );
  return {
    emu,
    hec,
    run,
    streams,
    url,
    async close() {
      run.child.kill('SIGTERM');
      await run.exited;
      for (const s of streams) await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`);
      await hec.stop();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, with a fresh profile; never a downloaded browser. */
export async function openChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'ampstream-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
