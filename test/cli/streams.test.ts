import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { main } from '../../src/cli/main.js';
import { loadStreamCredentials } from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import { createStreamViaRest, withEmulator, type TestEmulator } from '../helpers/emulator.js';

/**
 * `ampstream streams …` end to end through the CLI entry point, against the emulator over
 * HTTPS, with a real vault file. Asserts stdout (data only), stderr (notices, errors, hints)
 * and exit codes.
 */

let emu: TestEmulator;
let limited: TestEmulator;
let api: SecureEndpointClient;
let home: string;
let baseEnv: Record<string, string>;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ampstream ARGS` in this process through `main()` (the forked process costs seconds of
 * start-up per call on a busy 2-core machine; streams-process.test.ts forks the real thing).
 * Environment, stdout and stderr are swapped in for the call and restored afterwards.
 */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const savedEnv = { ...process.env };
  const merged: Record<string, string | undefined> = { ...baseEnv, ...env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AMPSTREAM_')) delete process.env[key];
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true);
  try {
    const code = await main(['node', 'ampstream', ...args]);
    return { code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function vaultPath(): string {
  return baseEnv['AMPSTREAM_VAULT'] ?? '';
}

beforeAll(async () => {
  [emu, limited] = await Promise.all([
    withEmulator({ seed: 11 }),
    withEmulator({ seed: 12, rateLimitPerHour: 1 }),
  ]);
  api = new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
  });
  home = await mkdtemp(join(tmpdir(), 'ampstream-cli-streams-'));
  baseEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    NO_COLOR: '1',
    AMPSTREAM_LOG_LEVEL: 'error',
    AMPSTREAM_VAULT: join(home, 'vault.json'),
    AMPSTREAM_VAULT_PASSPHRASE: 'correct horse battery staple',
    AMPSTREAM_API_URL: emu.apiUrl,
    AMPSTREAM_CLIENT_ID: emu.clientId,
    AMPSTREAM_API_KEY: emu.apiKey,
    AMPSTREAM_CA: emu.caPath,
  };
});
afterAll(async () => {
  await api?.close();
  await Promise.all([emu?.close(), limited?.close()]);
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const s of await api.eventStreams()) await api.deleteEventStream(s.id);
  await rm(vaultPath(), { force: true });
});

describe('streams create', () => {
  it('stores the one-time password in the vault and never prints it', async () => {
    const r = await cli([
      'streams',
      'create',
      '--name',
      'SIEM',
      '--event-type',
      'Threat Detected',
      '--group',
      'Audit',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created stream (\d+) "SIEM"/);
    expect(r.stdout).toContain('stored in the vault as stream/');
    const id = Number(/created stream (\d+)/.exec(r.stdout)?.[1]);
    const vault = await Vault.open({ path: vaultPath(), passphrase: 'correct horse battery staple' });
    const saved = await loadStreamCredentials(vault, id);
    expect(saved?.password).toMatch(/^[0-9a-f]{40}$/);
    expect(r.stdout + r.stderr).not.toContain(saved?.password);
    expect((await api.eventStream(id)).event_types).toEqual([1090519054]);
  });

  it('prints JSON without the password, and the password only with --show-password', async () => {
    const plain = await cli(['streams', 'create', '--name', 'a', '--json']);
    expect(plain.code).toBe(0);
    const data = JSON.parse(plain.stdout);
    expect(data).toMatchObject({ name: 'a', credentials: { stored: true, vaultEntry: `stream/${data.id}` } });
    expect(data.password).toBeUndefined();
    const shown = await cli(['streams', 'create', '--name', 'b', '--json', '--show-password']);
    const b = JSON.parse(shown.stdout);
    const vault = await Vault.open({ path: vaultPath(), passphrase: 'correct horse battery staple' });
    expect(b.password).toBe((await loadStreamCredentials(vault, b.id))?.password);
    expect(shown.stderr).toContain('only once');
  });

  it('refuses to create when the vault cannot be opened, and creates nothing', async () => {
    const r = await cli(['streams', 'create', '--name', 'x'], { AMPSTREAM_VAULT_PASSPHRASE: undefined });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('refusing to create the stream');
    expect(r.stderr).toContain('--show-password');
    expect(await api.eventStreams()).toEqual([]);
  });

  it('refuses to create when the vault cannot be read (a directory), with an error and no stack trace, and creates nothing', async () => {
    const r = await cli(['streams', 'create', '--name', 'x'], { AMPSTREAM_VAULT: home });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(1);
    expect(r.stderr).toContain('refusing to create the stream');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await api.eventStreams()).toEqual([]);
  });

  it('refuses names that are too long or hold control characters (exit 64), and creates nothing', async () => {
    const long = await cli(['streams', 'create', '--name', 'n'.repeat(256)]);
    expect(long.code).toBe(64);
    expect(long.stderr).toContain('the longest accepted is 255');
    const esc = await cli(['streams', 'create', '--name', 'evil\u001b[2Jname']);
    expect(esc.code).toBe(64);
    expect(esc.stderr).toContain('control characters');
    expect(esc.stderr).not.toContain('\u001b[2J');
    expect(await api.eventStreams()).toEqual([]);
  });

  it('the emulator refuses such names too (HTTP 400)', async () => {
    for (const name of ['x'.repeat(256), 'bell\u0007']) {
      const e = await api.createEventStream({ name, eventTypes: [], groupGuids: [] }).then(
        () => undefined,
        (err: unknown) => err as { code: string },
      );
      expect(e?.code).toBe('API_BAD_REQUEST');
    }
    expect(await api.eventStreams()).toEqual([]);
  });

  it('warns when a new name differs from an existing one only in case', async () => {
    await createStreamViaRest(emu, { name: 'SIEM' });
    const r = await cli(['streams', 'create', '--name', 'siem']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stream \d+ is named "SIEM": the two names differ only in case/);
  });

  it('creates without a vault when --show-password is given', async () => {
    const r = await cli(['streams', 'create', '--name', 'y', '--show-password'], {
      AMPSTREAM_VAULT_PASSPHRASE: undefined,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/password\s+[0-9a-f]{40}/);
    expect(r.stdout).toContain('NOT stored in the vault');
  });

  it('suggests names for unknown event types and groups (exit 64) and checks the name and limit first (exit 65)', async () => {
    const t = await cli(['streams', 'create', '--name', 'x', '--event-type', 'Threat Detectd']);
    expect(t.code).toBe(64);
    expect(t.stderr).toContain('did you mean "Threat Detected"');
    const g = await cli(['streams', 'create', '--name', 'x', '--group', 'Servrs']);
    expect(g.code).toBe(64);
    expect(g.stderr).toContain('did you mean "Servers"?');
    await createStreamViaRest(emu, { name: 'taken' });
    const taken = await cli(['streams', 'create', '--name', 'taken']);
    expect(taken.code).toBe(65);
    expect(taken.stderr).toContain('[API_NAME_TAKEN]');
    for (let i = 0; i < 4; i++) await createStreamViaRest(emu, { name: `s${i}` });
    const limit = await cli(['streams', 'create', '--name', 'sixth']);
    expect(limit.code).toBe(65);
    expect(limit.stderr).toMatch(/hint: delete one first/);
    expect(await api.eventStreams()).toHaveLength(5);
  });
});

describe('streams list, show, update, delete', () => {
  it('lists streams with type and group names and whether credentials are held', async () => {
    await cli(['streams', 'create', '--name', 'mine', '--event-type', '1090519054']);
    await createStreamViaRest(emu, { name: 'elsewhere' });
    const r = await cli(['streams', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+EVENT TYPES\s+GROUPS\s+CREDS HELD$/);
    expect(lines.find((l) => l.includes('mine'))).toMatch(/Threat Detected\s+all\s+yes$/);
    expect(lines.find((l) => l.includes('elsewhere'))).toMatch(/all\s+all\s+no$/);
    expect(r.stderr).toContain('2 of 5 event streams in use');
    const json = JSON.parse((await cli(['streams', 'list', '--json'])).stdout);
    expect(json.map((v: { name: string; credentials: string }) => [v.name, v.credentials]).sort()).toEqual([
      ['elsewhere', 'missing'],
      ['mine', 'stored'],
    ]);
  });

  it('shows a stream and says whether its credentials are usable', async () => {
    const other = await createStreamViaRest(emu, { name: 'foreign' });
    const r = await cli(['streams', 'show', 'foreign']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`queue        event_stream_${other.id}`);
    expect(r.stdout).toContain('NOT held locally');
    const unknown = await cli(['streams', 'show', 'foriegn']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('did you mean "foreign"?');
  });

  it('updates a stream by name and keeps its credentials', async () => {
    await cli(['streams', 'create', '--name', 'u', '--event-type', 'Threat Detected']);
    const r = await cli([
      'streams',
      'update',
      'u',
      '--name',
      'u2',
      '--all-event-types',
      '--group',
      'Servers',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'u2',
      eventTypes: [],
      groups: [{ name: 'Servers' }],
      credentials: 'stored',
    });
  });

  it('deletes only with --yes when not interactive, and removes the local credentials', async () => {
    const created = JSON.parse((await cli(['streams', 'create', '--name', 'd', '--json'])).stdout);
    const refused = await cli(['streams', 'delete', 'd']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('pass --yes');
    const r = await cli(['streams', 'delete', 'd', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('its credentials were removed from the vault');
    expect(await api.eventStreams()).toEqual([]);
    const vault = await Vault.open({ path: vaultPath(), passphrase: 'correct horse battery staple' });
    expect(vault.get(`stream/${created.id}`)).toBeUndefined();
  });
});

describe('event-types and groups', () => {
  it('lists event types as a table and as JSON', async () => {
    const table = await cli(['event-types']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+DESCRIPTION\n/);
    expect(table.stdout).toMatch(/\n1090519054\s+Threat Detected\s/);
    const json = JSON.parse((await cli(['event-types', '--json'])).stdout);
    expect(json).toContainEqual(expect.objectContaining({ id: 1090519054, name: 'Threat Detected' }));
  });

  it('lists groups, filtered by name', async () => {
    const all = JSON.parse((await cli(['groups', '--json'])).stdout);
    expect(all.length).toBeGreaterThan(1);
    const audit = await cli(['groups', '--name', 'Audit']);
    expect(audit.code).toBe(0);
    const rows = audit.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^GUID\s+NAME\s+DESCRIPTION$/);
    expect(rows.slice(1).every((r) => r.includes('Audit'))).toBe(true);
  });
});

describe('vault commands', () => {
  it('lists entry names only and prints the vault path', async () => {
    await cli(['streams', 'create', '--name', 'v']);
    const list = await cli(['vault', 'list', '--json']);
    expect(list.code).toBe(0);
    const names = JSON.parse(list.stdout) as string[];
    expect(names.some((n) => n.startsWith('stream/'))).toBe(true);
    expect(list.stdout).not.toMatch(/[0-9a-f]{40}/);
    const path = await cli(['vault', 'path', '--json']);
    expect(JSON.parse(path.stdout)).toEqual({ path: vaultPath(), exists: true });
  });
});

describe('errors', () => {
  it('reports a stream id that does not exist as API_NOT_FOUND, exit 69, as JSON on stdout with --json', async () => {
    const r = await cli(['streams', 'show', '999999', '--json']);
    expect(r.code).toBe(69);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'API_NOT_FOUND' } });
    expect(r.stderr).toContain('no event stream with id 999999');
  });

  it('exits 77 with the regenerate hint for a wrong key, and 77 with the Read & Write hint for a read-only key', async () => {
    const bad = await cli(['streams', 'list'], { AMPSTREAM_API_KEY: 'wrong' });
    expect(bad.code).toBe(77);
    expect(bad.stderr).toContain('Unknown API key or Client ID');
    expect(bad.stderr).toContain('API Credentials');
    const ro = await cli(['streams', 'create', '--name', 'ro'], { AMPSTREAM_API_KEY: emu.readOnlyApiKey });
    expect(ro.code).toBe(77);
    expect(ro.stderr).toContain('Read & Write');
  });

  it('exits 75 with the reset time when rate limited', async () => {
    const env = {
      AMPSTREAM_API_URL: limited.apiUrl,
      AMPSTREAM_CLIENT_ID: limited.clientId,
      AMPSTREAM_API_KEY: limited.apiKey,
      AMPSTREAM_CA: limited.caPath,
    };
    let r = await cli(['event-types'], env);
    if (r.code === 0) r = await cli(['event-types'], env);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/hint: rate limited until \d{4}-/);
  });

  it('exits 78 pointing at `ampstream login` when no credentials are configured, with the error as JSON on stdout under --json', async () => {
    const r = await cli(['streams', 'list', '--json'], {
      AMPSTREAM_API_URL: undefined,
      AMPSTREAM_CLIENT_ID: undefined,
      AMPSTREAM_API_KEY: undefined,
    });
    expect(r.code).toBe(78);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'CREDENTIALS_MISSING' } });
    expect(r.stderr).toContain('ampstream login');
  });

  it('refuses an untrusted certificate with a --ca hint, and accepts it only with --insecure, loudly', async () => {
    const untrusted = await cli(['event-types'], { AMPSTREAM_CA: undefined });
    expect(untrusted.code).toBe(69);
    expect(untrusted.stderr).toContain('--ca');
    const insecure = await cli(['event-types', '--insecure', '--json'], { AMPSTREAM_CA: undefined });
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toContain('TLS certificate verification is DISABLED');
    expect(JSON.parse(insecure.stdout).length).toBeGreaterThan(10);
  });

  it('exits 69 when the API is unreachable', async () => {
    const r = await cli(['streams', 'list'], { AMPSTREAM_API_URL: 'https://127.0.0.1:9' });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain('[API_NETWORK]');
  });
});
