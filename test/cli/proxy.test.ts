import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { amqpYaml } from '../helpers/emulator.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadApiCredentials,
  saveApiCredentials,
  saveStreamCredentials,
} from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import { testVault, type TestVault } from '../helpers/vault.js';
import { startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';
import { freePort } from '../sinks/http/support/net.js';
import { spawnCli, CLI_TEST_TIMEOUT_MS } from './run-cli.js';
import { lines, useRunFixture } from './run-setup.js';

/** The CLI through a real HTTP proxy (tinyproxy): `login --proxy`, API commands, `run` over AMQPS. */

const f = useRunFixture();
const PROXY_PASSWORD = 'cli-Pr0xy-pw';
const PASSPHRASE = 'proxy test passphrase';
let proxy: RunningTinyproxy;
let authProxy: RunningTinyproxy;
let dir: string;

beforeAll(async () => {
  [proxy, authProxy] = await Promise.all([
    startTinyproxy(),
    startTinyproxy({ auth: { user: 'cli', password: PROXY_PASSWORD } }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'ampstream-cli-proxy-'));
});
afterAll(async () => {
  await Promise.all([proxy?.close(), authProxy?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function connects(p: RunningTinyproxy, hostPort: string): Promise<number> {
  return (await p.log()).split('\n').filter((l) => l.includes(`CONNECT ${hostPort}`)).length;
}

async function vaultWith(name: string): Promise<TestVault> {
  return testVault(join(dir, `${name}.json`), PASSPHRASE);
}

describe('the CLI through an HTTP proxy', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('ampstream login --proxy stores the proxy with the login, and later API commands go through it without ever printing the proxy password', async () => {
    const emu = f.emu();
    const apiHostPort = new URL(emu.apiUrl).host;
    const env = {
      AMPSTREAM_VAULT: join(dir, 'login.json'),
      AMPSTREAM_VAULT_PASSPHRASE: PASSPHRASE,
      AMPSTREAM_API_KEY: emu.apiKey,
    };
    const before = await connects(authProxy, apiHostPort);
    const login = await spawnCli(
      [
        'login',
        '--api-url',
        emu.apiUrl,
        '--ca',
        emu.caPath,
        '--client-id',
        emu.clientId,
        '--proxy',
        authProxy.urlWithAuth,
      ],
      env,
    ).exited;
    expect(login.stderr).toContain('--proxy with a password');
    expect(login.code).toBe(0);
    const afterLogin = await connects(authProxy, apiHostPort);
    expect(afterLogin).toBeGreaterThan(before);

    const list = await spawnCli(['streams', 'list', '--json'], {
      AMPSTREAM_VAULT: env.AMPSTREAM_VAULT,
      AMPSTREAM_VAULT_PASSPHRASE: PASSPHRASE,
    }).exited;
    expect(list.code).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
    expect(await connects(authProxy, apiHostPort)).toBeGreaterThan(afterLogin);
    for (const out of [login.stdout, login.stderr, list.stdout, list.stderr])
      expect(out).not.toContain(PROXY_PASSWORD);

    const vault = await Vault.open({ path: env.AMPSTREAM_VAULT, passphrase: PASSPHRASE });
    expect((await loadApiCredentials(vault))?.proxy).toBe(authProxy.urlWithAuth);
  });

  it('ampstream run consumes every event of a vault stream over AMQPS through the proxy of the login, TLS verified with its CA', async () => {
    const s = await f.setup();
    const emu = f.emu();
    const c = s.stream.amqp_credentials;
    const { env, vault } = await vaultWith('run-login');
    await saveApiCredentials(vault, {
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      baseUrl: emu.apiUrl,
      ca: emu.caPem,
      proxy: authProxy.urlWithAuth,
    });
    await saveStreamCredentials(vault, s.stream.id, { apiBase: emu.apiUrl, ...c, name: s.stream.name });
    const config = join(s.dir, 'via-login-proxy.yaml');
    writeFileSync(
      config,
      `streams:\n  - id: ${s.stream.id}\nsinks:\n  - { name: archive, type: file, path: events.jsonl }\nmetrics: { listen: false }\n`,
    );
    const before = await connects(authProxy, `${c.host}:${c.port}`);
    const published = await emu.publish(40);
    const r = await spawnCli(['run', '--config', config, '--stop-after', '40'], env).exited;
    expect(r.code).toBe(0);
    expect(new Set(lines(s.out))).toEqual(new Set(published.map((e) => e.id)));
    expect(await connects(authProxy, `${c.host}:${c.port}`)).toBe(before + 1);
    expect(r.stderr).toContain(`http://cli@127.0.0.1:${authProxy.port}`);
    expect(r.stderr + r.stdout).not.toContain(PROXY_PASSWORD);
  });

  it("a stream's `proxy` in the run config (here a reference to the whole URL) wins over HTTPS_PROXY", async () => {
    const s = await f.setup();
    const emu = f.emu();
    const c = s.stream.amqp_credentials;
    const config = join(s.dir, 'stream-proxy.yaml');
    writeFileSync(
      config,
      `streams:
  - id: ${s.stream.id}
    amqp: ${amqpYaml(c, 'env:TEST_AMQP_PASSWORD')}
    ca: ${emu.caPath}
    proxy: env:CORP_PROXY
sinks:
  - { name: archive, type: file, path: events.jsonl }
metrics: { listen: false }
`,
    );
    const dead = await freePort();
    const before = await connects(proxy, `${c.host}:${c.port}`);
    const published = await emu.publish(25);
    const r = await spawnCli(['run', '--config', config, '--stop-after', '25'], {
      ...s.env,
      CORP_PROXY: proxy.url,
      HTTPS_PROXY: `http://127.0.0.1:${dead}`,
    }).exited;
    expect(r.code).toBe(0);
    expect(new Set(lines(s.out))).toEqual(new Set(published.map((e) => e.id)));
    expect(await connects(proxy, `${c.host}:${c.port}`)).toBe(before + 1);
  });
});
