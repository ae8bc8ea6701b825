import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/commands/doctor-run.js';
import type { CheckResult, DoctorReport } from '../../src/doctor/types.js';
import {
  amqpYaml,
  amqpsUrl,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { HecServer } from '../helpers/hec-server.js';
import { generateTestPki, type TestPki } from '../helpers/rsyslog.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';
import { freePort } from '../sinks/http/support/net.js';
import { runCli } from '../cli/run-cli.js';

/**
 * `ampstream doctor` against the emulator (REST + AMQPS front on the real broker), a real
 * tinyproxy and the HEC test server: healthy, then one fault injected per test.
 */
let emu: TestEmulator;
let hec: HecServer;
let pki: TestPki;
const root = mkdtempSync(join(tmpdir(), 'ampstream-doctor-'));
const created: number[] = [];

beforeAll(async () => {
  emu = await withEmulator();
  hec = await HecServer.start({ tokens: { 'hec-token': {} } });
  pki = await generateTestPki(join(root, 'pki'));
});
afterEach(async () => {
  // the emulator allows 5 streams per organisation, like Cisco
  for (const id of created.splice(0)) await apiRequest(emu, 'DELETE', `/v1/event_streams/${id}`);
});
afterAll(async () => {
  await hec.stop();
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

interface Setup {
  readonly stream: CreatedStream;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
}

async function setup(o: { streamCa?: string; sinks?: string; published?: number } = {}): Promise<Setup> {
  const stream = await createStreamViaRest(emu, { name: `doctor-${randomUUID()}`, event_type: [1090519054] });
  created.push(stream.id);
  if ((o.published ?? 0) > 0) await emu.publish(o.published ?? 0, { eventTypeIds: [1090519054] });
  const c = stream.amqp_credentials;
  const dir = mkdtempSync(join(root, 'case-'));
  const config = join(dir, 'ampstream.yaml');
  writeFileSync(
    config,
    `streams:
  - id: ${stream.id}
    name: alerts
    amqp: ${amqpYaml(c, 'env:TEST_AMQP_PASSWORD')}
    ca: ${o.streamCa ?? emu.caPath}
sinks:
  - name: archive
    type: file
    path: out/events.jsonl
${o.sinks ?? ''}metrics: { listen: false }
`,
  );
  mkdirSync(join(dir, 'out'));
  return {
    stream,
    config,
    env: {
      AMPSTREAM_API_URL: emu.apiUrl,
      AMPSTREAM_CLIENT_ID: emu.clientId,
      AMPSTREAM_API_KEY: emu.apiKey,
      AMPSTREAM_CA: emu.caPath,
      AMPSTREAM_VAULT: join(dir, 'no-vault.json'),
      TEST_AMQP_PASSWORD: c.password,
      HEC_TOKEN: 'hec-token',
    },
  };
}

const doctor = (s: Setup, env: NodeJS.ProcessEnv = {}): Promise<DoctorReport> =>
  runDoctor({ configPath: s.config, connection: {}, timeoutMs: 3000 }, { env: { ...s.env, ...env } });

function line(r: DoctorReport, section: string, check: string): CheckResult {
  const found = r.results.find((x) => x.section.startsWith(section) && x.check === check);
  if (found === undefined) throw new Error(`no ${section}/${check} in ${JSON.stringify(r.results, null, 2)}`);
  return found;
}

const hecSink = (url: string): string => `  - name: splunk
    type: splunk-hec
    url: ${url}
    token: env:HEC_TOKEN
    allowHttp: true # the test receiver is on loopback
`;

async function queueDepth(s: Setup): Promise<number> {
  const client = new AMQPClient(amqpsUrl(s.stream.amqp_credentials), { ca: emu.caPem });
  await client.connect();
  try {
    const ch = await client.channel();
    const ok = await ch.queueDeclare(s.stream.amqp_credentials.queue_name, { passive: true });
    return ok.messageCount;
  } finally {
    await client.close();
  }
}

describe('ampstream doctor', () => {
  it('reports every check OK on a healthy setup and exits 0, without consuming the waiting events', async () => {
    const s = await setup({ published: 5, sinks: hecSink(hec.url) });
    const r = await doctor(s);
    const notOk = r.results.filter((x) => x.status !== 'ok' && x.status !== 'skip');
    expect(notOk).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(line(r, 'api', 'credentials').evidence).toContain('200');
    expect(line(r, 'api', 'tls').evidence).toContain('chain trusted');
    expect(line(r, 'stream alerts', 'exists').evidence).toContain(String(s.stream.id));
    expect(line(r, 'stream alerts', 'queue').evidence).toBe('5 event(s) waiting');
    expect(line(r, 'stream alerts', 'oldest').evidence).toMatch(/head event is .* old/);
    expect(line(r, 'sink splunk', 'authenticated').evidence).toContain('token is accepted');
    expect(hec.indexed).toHaveLength(0);
    expect(await queueDepth(s)).toBe(5);
  });

  it('names a wrong API key as a 401 on the credentials line and exits 2', async () => {
    const s = await setup();
    const r = await doctor(s, { AMPSTREAM_API_KEY: 'not-the-key' });
    const c = line(r, 'api', 'credentials');
    expect(c.status).toBe('fail');
    expect(c.code).toBe('API_UNAUTHORIZED');
    expect(c.evidence).toContain('401');
    expect(c.fix).toContain('ampstream login');
    expect(line(r, 'stream alerts', 'exists').status).toBe('skip');
    expect(r.exitCode).toBe(2);
  });

  it('warns that a read-only API key cannot create streams', async () => {
    const s = await setup();
    const r = await doctor(s, { AMPSTREAM_API_KEY: emu.readOnlyApiKey });
    expect(line(r, 'api', 'credentials').status).toBe('ok');
    const w = line(r, 'api', 'write scope');
    expect(w.status).toBe('warn');
    expect(w.evidence).toContain('read-only');
    expect(r.exitCode).toBe(1);
  });

  it('says a deleted stream is gone and that the broker refuses its credentials', async () => {
    const s = await setup();
    await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.stream.id}`);
    const r = await doctor(s);
    const e = line(r, 'stream alerts', 'exists');
    expect(e.status).toBe('fail');
    expect(e.evidence).toContain('deleted');
    const a = line(r, 'stream alerts', 'amqps');
    expect(a.status).toBe('fail');
    // the queue goes first (NOT_FOUND on the passive declare) or the user (ACCESS_REFUSED at login)
    expect(['AMQP_QUEUE_NOT_FOUND', 'AMQP_ACCESS_REFUSED']).toContain(a.code);
    expect(a.fix).toContain('create a new stream');
    expect(r.exitCode).toBe(2);
  });

  it('warns about another consumer attached to the stream (it takes a share of the events)', async () => {
    const s = await setup({ published: 3 });
    const thief = new AMQPClient(amqpsUrl(s.stream.amqp_credentials), { ca: emu.caPem });
    await thief.connect();
    try {
      const ch = await thief.channel();
      await ch.basicQos(1);
      await ch.basicConsume(s.stream.amqp_credentials.queue_name, { noAck: false }, () => undefined);
      const r = await doctor(s);
      const c = line(r, 'stream alerts', 'consumers');
      expect(c.status).toBe('warn');
      expect(c.evidence).toContain('1 other consumer');
      expect(c.fix).toContain('stop the other consumer');
      expect(r.exitCode).toBe(1);
    } finally {
      await thief.close();
    }
  });

  it('goes through the proxy when one is set, and names the proxy when it is down', async () => {
    const s = await setup();
    const proxy = await startTinyproxy();
    try {
      const up = await doctor(s, { HTTPS_PROXY: proxy.url });
      expect(line(up, 'api', 'proxy').status).toBe('ok');
      expect(line(up, 'stream alerts', 'amqps').evidence).toContain(`through the proxy ${proxy.url}`);
      expect(up.exitCode).toBe(0);
      expect(await proxy.log()).toMatch(/CONNECT/);

      await proxy.stop();
      const down = await doctor(s, { HTTPS_PROXY: proxy.url });
      const p = line(down, 'api', 'proxy');
      expect(p.status).toBe('fail');
      expect(p.code).toBe('PROXY_UNREACHABLE');
      expect(p.fix).toContain('proxy');
      const a = line(down, 'stream alerts', 'amqps');
      expect(a.status).toBe('fail');
      expect(a.code).toBe('PROXY_UNREACHABLE');
      expect(down.exitCode).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('fails a sink that is down, naming its address, while the rest stays OK', async () => {
    const port = await freePort();
    const s = await setup({ sinks: hecSink(`http://127.0.0.1:${port}`) });
    const r = await doctor(s);
    const k = line(r, 'sink splunk', 'reachable');
    expect(k.status).toBe('fail');
    expect(k.code).toBe('SINK_UNAVAILABLE');
    expect(k.evidence).toContain(`127.0.0.1:${port}`);
    expect(k.evidence).toContain('ECONNREFUSED');
    expect(line(r, 'sink archive', 'writable').status).toBe('ok');
    expect(r.exitCode).toBe(2);
  });

  it('fails the TLS checks when the trusted CA is the wrong one, for the API and for the stream', async () => {
    const s = await setup({ streamCa: pki.otherCaFile });
    const r = await doctor(s, { AMPSTREAM_CA: pki.otherCaFile });
    const t = line(r, 'api', 'tls');
    expect(t.status).toBe('fail');
    expect(t.evidence).toContain('not trusted');
    expect(t.fix).toContain('--ca');
    const a = line(r, 'stream alerts', 'amqps');
    expect(a.status).toBe('fail');
    expect(a.code).toBe('AMQP_TLS');
    expect(a.fix).toContain('ca:');
    expect(r.exitCode).toBe(2);
  });

  it('prints the checklist with the fix under each failure, exits 2, and gives the same as JSON', async () => {
    const s = await setup();
    const env = { ...s.env, AMPSTREAM_API_KEY: 'not-the-key' };
    const text = await runCli(['doctor', '--config', s.config], env);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^ {2}FAIL {2}credentials +HTTP 401/m);
    expect(text.stdout).toMatch(/^ +fix: create a new API credential/m);
    expect(text.stdout).toMatch(/^ {2}OK {4}amqps/m);
    expect(text.stdout).not.toContain('not-the-key');
    expect(text.stdout).not.toContain(s.stream.amqp_credentials.password);
    const json = await runCli(['doctor', '--config', s.config, '--json'], env);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.exitCode).toBe(2);
    expect(report.results.find((x) => x.check === 'credentials')?.code).toBe('API_UNAUTHORIZED');
  }, 60_000);
});
