import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiCredentials, loadStreamCredentials } from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import { withEmulator, type TestEmulator } from '../helpers/emulator.js';

/**
 * The real process, forked as a user runs it (`node --import tsx src/cli/main.ts …`): login
 * with the key on stdin, then commands that take everything from the vault; exit codes;
 * stdout carrying data only. Few forks on purpose: each costs seconds of start-up here.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const PASSPHRASE = 'correct horse battery staple';
let emu: TestEmulator;
let home: string;
let vaultEnv: Record<string, string>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1', ...vaultEnv, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  emu = await withEmulator({ seed: 21 });
  home = await mkdtemp(join(tmpdir(), 'ampstream-cli-process-'));
  vaultEnv = { AMPSTREAM_VAULT: join(home, 'cfg', 'vault.json'), AMPSTREAM_VAULT_PASSPHRASE: PASSPHRASE };
});
afterAll(async () => {
  await emu?.close();
  await rm(home, { recursive: true, force: true });
});

describe('ampstream as a process', () => {
  it('refuses a wrong key at login (exit 77) and creates no vault; warns about --api-key', async () => {
    const r = await cli([
      'login',
      '--api-url',
      emu.apiUrl,
      '--ca',
      emu.caPath,
      '--client-id',
      emu.clientId,
      '--api-key',
      'wrong',
    ]);
    expect(r.code).toBe(77);
    expect(r.stderr).toContain('shell history');
    expect(r.stderr).toContain('[API_UNAUTHORIZED]');
    expect(r.stdout).toBe('');
    await expect(stat(vaultEnv['AMPSTREAM_VAULT'] ?? '')).rejects.toThrow();
  });

  it('logs in with the key on stdin, then manages streams from the stored login alone', async () => {
    const login = await cli(
      [
        'login',
        '--api-url',
        emu.apiUrl,
        '--ca',
        emu.caPath,
        '--client-id',
        emu.clientId,
        '--api-key-stdin',
        '--json',
      ],
      {},
      `${emu.apiKey}\n`,
    );
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({
      clientId: emu.clientId,
      baseUrl: emu.apiUrl,
      apiVersion: 'v1.2.0',
      entry: 'api/default',
    });
    expect(login.stdout + login.stderr).not.toContain(emu.apiKey);
    expect((await stat(vaultEnv['AMPSTREAM_VAULT'] ?? '')).mode & 0o777).toBe(0o600);

    const created = await cli([
      'streams',
      'create',
      '--name',
      'from-vault',
      '--event-type',
      'Threat Detected',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const data = JSON.parse(created.stdout); // stdout is one JSON document: nothing else went there
    const vault = await Vault.open({ path: vaultEnv['AMPSTREAM_VAULT'] ?? '', passphrase: PASSPHRASE });
    expect((await loadApiCredentials(vault))?.ca).toBe(emu.caPem);
    const saved = await loadStreamCredentials(vault, data.id);
    expect(saved?.password).toMatch(/^[0-9a-f]{40}$/);
    expect(created.stdout + created.stderr).not.toContain(saved?.password);

    const list = await cli(['streams', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${data.id}\\s+from-vault\\s+Threat Detected\\s+all\\s+yes`));
  });

  it('keeps vault values secret: set reads stdin, and the value is never echoed', async () => {
    const set = await cli(['vault', 'set', 'splunk-token'], {}, 'hec-token-value-123\n');
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain('hec-token-value-123');
    const vault = await Vault.open({ path: vaultEnv['AMPSTREAM_VAULT'] ?? '', passphrase: PASSPHRASE });
    expect(vault.get('splunk-token')).toBe('hec-token-value-123');
  });
});
