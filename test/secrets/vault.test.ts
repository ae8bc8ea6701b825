import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAmpError } from '../../src/errors.js';
import { nodeAtomicFs, type AtomicFs } from '../../src/secrets/atomic-write.js';
import { Vault, defaultVaultPath } from '../../src/secrets/vault.js';

/** Small scrypt cost where the parameters are not what is tested (reads use the file's own). */
const fast = { n: 1024, r: 8, p: 1 };
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ampstream-vault-'));
  path = join(dir, 'sub', 'vault.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('Vault', () => {
  it('round-trips entries through the encrypted file', async () => {
    const { vault, created } = await Vault.openOrCreate({ path, passphrase: 'correct horse', kdf: fast });
    expect(created).toBe(true);
    await vault.set('api/default', '{"clientId":"c"}');
    await vault.set('splunk-token', 's3cr3t-value');
    const again = await Vault.open({ path, passphrase: 'correct horse' });
    expect(again.get('splunk-token')).toBe('s3cr3t-value');
    expect(again.names()).toEqual(['api/default', 'splunk-token']);
    expect(await again.delete('splunk-token')).toBe(true);
    expect((await Vault.open({ path, passphrase: 'correct horse' })).names()).toEqual(['api/default']);
  });

  it('writes the documented envelope with default scrypt parameters and no plaintext', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw' });
    await vault.set('x', 'plain-text-secret-value');
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('plain-text-secret-value');
    const env = JSON.parse(text);
    expect(env.v).toBe(1);
    expect(env.kdf).toMatchObject({ name: 'scrypt', n: 32768, r: 8, p: 1 });
    expect(Buffer.from(env.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(env.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(env.kdf.salt, 'base64')).toHaveLength(16);
  });

  it('uses a fresh salt and IV on every write', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    const first = JSON.parse(await readFile(path, 'utf8'));
    await vault.set('a', '1');
    const second = JSON.parse(await readFile(path, 'utf8'));
    expect(second.iv).not.toBe(first.iv);
    expect(second.kdf.salt).not.toBe(first.kdf.salt);
  });

  it('creates the file with mode 0600 and its directory with 0700', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    await vault.set('a', '1');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'sub'))).mode & 0o777).toBe(0o700);
  });

  it('reports a wrong passphrase as VAULT_BAD_PASSPHRASE without the passphrase in the message', async () => {
    await Vault.openOrCreate({ path, passphrase: 'right-one', kdf: fast });
    const e = await caught(Vault.open({ path, passphrase: 'wrong-one' }));
    expect(isAmpError(e, 'VAULT_BAD_PASSPHRASE')).toBe(true);
    expect(String((e as Error).message)).not.toContain('wrong-one');
    expect((e as { exitCode: number }).exitCode).toBe(78);
  });

  it('detects a tampered ciphertext with the GCM tag: VAULT_CORRUPT', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    await vault.set('a', 'some value here');
    const env = JSON.parse(await readFile(path, 'utf8'));
    const data = Buffer.from(env.data, 'base64');
    data[0] = data[0]! ^ 0x01;
    env.data = data.toString('base64');
    await writeFile(path, JSON.stringify(env));
    const e = await caught(Vault.open({ path, passphrase: 'pw' }));
    expect(isAmpError(e, 'VAULT_CORRUPT')).toBe(true);
  });

  it('detects a swapped tag or truncated file as VAULT_CORRUPT', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    await vault.set('a', 'v');
    const text = await readFile(path, 'utf8');
    const env = JSON.parse(text);
    env.tag = Buffer.alloc(16).toString('base64');
    await writeFile(path, JSON.stringify(env));
    expect(isAmpError(await caught(Vault.open({ path, passphrase: 'pw' })), 'VAULT_CORRUPT')).toBe(true);
    await writeFile(path, text.slice(0, text.length / 2));
    expect(isAmpError(await caught(Vault.open({ path, passphrase: 'pw' })), 'VAULT_CORRUPT')).toBe(true);
  });

  it('refuses scrypt parameters that would exhaust memory', async () => {
    await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    const env = JSON.parse(await readFile(path, 'utf8'));
    env.kdf.n = 2 ** 30;
    await writeFile(path, JSON.stringify(env));
    expect(isAmpError(await caught(Vault.open({ path, passphrase: 'pw' })), 'VAULT_CORRUPT')).toBe(true);
  });

  it('keeps the old file intact and leaves no temp file when a write fails midway', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    await vault.set('keep', 'old');
    const before = await readFile(path, 'utf8');
    const failingFs: AtomicFs = {
      ...nodeAtomicFs,
      rename: async () => {
        throw Object.assign(new Error('disk on fire'), { code: 'EIO' });
      },
    };
    const broken = await Vault.open({ path, passphrase: 'pw', kdf: fast, fs: failingFs });
    await expect(broken.set('new', 'value')).rejects.toMatchObject({
      code: 'VAULT_WRITE_FAILED',
      message: expect.stringContaining('(EIO)'),
    });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['vault.json']);
    expect(broken.get('new')).toBeUndefined();
    expect((await Vault.open({ path, passphrase: 'pw' })).get('keep')).toBe('old');
  });

  it('never exposes a partial file to a concurrent reader', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: { n: 1024, r: 8, p: 1 } });
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        expect(() => {
          JSON.parse(text);
        }).not.toThrow();
        await new Promise<void>((r) => {
          setImmediate(r);
        });
      }
    })();
    for (let i = 0; i < 20; i++) await vault.set(`k${i}`, 'x'.repeat(5000 + i));
    writing = false;
    await reader;
    expect((await Vault.open({ path, passphrase: 'pw' })).names()).toHaveLength(20);
  });

  it('does not lose entries written by two vault instances at the same time', async () => {
    const kdf = { n: 1024, r: 8, p: 1 };
    await Vault.openOrCreate({ path, passphrase: 'pw', kdf });
    const a = await Vault.open({ path, passphrase: 'pw', kdf });
    const b = await Vault.open({ path, passphrase: 'pw', kdf });
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => a.set(`a${i}`, 'x')),
      ...Array.from({ length: 5 }, (_, i) => b.set(`b${i}`, 'y')),
    ]);
    expect((await Vault.open({ path, passphrase: 'pw' })).names()).toHaveLength(10);
  });

  it('says there is no vault when the file is missing', async () => {
    expect(isAmpError(await caught(Vault.open({ path, passphrase: 'pw' })), 'SECRET_NOT_FOUND')).toBe(true);
  });

  it('rejects entry names that are not path-like', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
    expect(isAmpError(await caught(vault.set('../etc', 'x')), 'USAGE')).toBe(true);
  });

  it('re-encrypts under a new passphrase', async () => {
    const { vault } = await Vault.openOrCreate({ path, passphrase: 'old', kdf: fast });
    await vault.set('a', '1');
    await vault.changePassphrase('new');
    expect((await Vault.open({ path, passphrase: 'new' })).get('a')).toBe('1');
    expect(isAmpError(await caught(Vault.open({ path, passphrase: 'old' })), 'VAULT_BAD_PASSPHRASE')).toBe(
      true,
    );
  });
});

describe('defaultVaultPath', () => {
  it('prefers AMPSTREAM_VAULT, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(defaultVaultPath({ AMPSTREAM_VAULT: '/x/v.json', XDG_CONFIG_HOME: '/xdg' })).toBe('/x/v.json');
    expect(defaultVaultPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/h' })).toBe('/xdg/ampstream/vault.json');
    expect(defaultVaultPath({ HOME: '/h' })).toBe('/h/.config/ampstream/vault.json');
  });
});
