import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAmpError } from '../../src/errors.js';
import {
  listStreamCredentials,
  loadApiCredentials,
  loadStreamCredentials,
  removeStreamCredentials,
  saveApiCredentials,
  saveStreamCredentials,
  type StoredStreamCredentials,
} from '../../src/secrets/credentials.js';
import { createSecretResolver, openVaultReader } from '../../src/secrets/refs.js';
import { Vault } from '../../src/secrets/vault.js';

const kdf = { n: 1024, r: 8, p: 1 };
let dir: string;
let vault: Vault;

const stream: StoredStreamCredentials = {
  apiBase: 'https://api.amp.cisco.com',
  user_name: '2051-4be7a0c1d2e3f4a5b6c7',
  password: '9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d',
  host: 'export-streaming.amp.cisco.com',
  port: '443',
  proto: 'https',
  queue_name: 'event_stream_2051',
  name: 'SIEM',
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ampstream-creds-'));
  vault = (await Vault.openOrCreate({ path: join(dir, 'vault.json'), passphrase: 'pw', kdf })).vault;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('API credentials in the vault', () => {
  it('saves and loads the login with a region or a base URL and CA', async () => {
    await saveApiCredentials(vault, { clientId: 'cid', apiKey: 'key-123', region: 'eu' });
    expect(await loadApiCredentials(vault)).toMatchObject({
      clientId: 'cid',
      apiKey: 'key-123',
      region: 'eu',
    });
    await saveApiCredentials(vault, {
      clientId: 'c2',
      apiKey: 'k2',
      baseUrl: 'https://127.0.0.1:9',
      ca: 'PEM',
    });
    const again = await loadApiCredentials(await Vault.open({ path: vault.path, passphrase: 'pw' }));
    expect(again).toMatchObject({ clientId: 'c2', baseUrl: 'https://127.0.0.1:9', ca: 'PEM' });
    expect(again?.region).toBeUndefined();
  });

  it('returns undefined when no login is stored', async () => {
    expect(await loadApiCredentials(vault)).toBeUndefined();
  });
});

describe('stream credentials in the vault', () => {
  it('stores them under stream/<id> and loads them back', async () => {
    const r = await saveStreamCredentials(vault, 2051, stream);
    expect(r).toEqual({ entry: 'stream/2051' });
    expect(vault.names()).toEqual(['stream/2051']);
    expect(await loadStreamCredentials(vault, '2051')).toMatchObject(stream);
    expect(await loadStreamCredentials(vault, 7)).toBeUndefined();
  });

  it('lists stored streams without their passwords', async () => {
    await saveStreamCredentials(vault, 12, {
      ...stream,
      user_name: '12-aaaa',
      queue_name: 'event_stream_12',
    });
    await saveStreamCredentials(vault, 3, { ...stream, user_name: '3-bbbb', queue_name: 'event_stream_3' });
    await vault.set('other', 'x');
    const list = await listStreamCredentials(vault);
    expect(list.map((s) => s.id)).toEqual(['3', '12']);
    expect(JSON.stringify(list)).not.toContain(stream.password);
  });

  it("moves a different user's credentials aside instead of overwriting a one-time password", async () => {
    await saveStreamCredentials(vault, 1, { ...stream, user_name: '1-old' });
    const r = await saveStreamCredentials(vault, 1, {
      ...stream,
      user_name: '1-new',
      password: 'new-password',
    });
    expect(r.archivedAs).toMatch(/^archive\/stream\/1\/\d+$/);
    expect(JSON.parse(vault.get(r.archivedAs!)!).user_name).toBe('1-old');
    expect((await loadStreamCredentials(vault, 1))?.password).toBe('new-password');
  });

  it('removes them', async () => {
    await saveStreamCredentials(vault, 5, stream);
    expect(await removeStreamCredentials(vault, 5)).toBe(true);
    expect(await removeStreamCredentials(vault, 5)).toBe(false);
  });

  it('reports a damaged entry as VAULT_CORRUPT naming the entry', async () => {
    await vault.set('stream/9', 'not json');
    await expect(loadStreamCredentials(vault, 9)).rejects.toSatisfy((e) => isAmpError(e, 'VAULT_CORRUPT'));
  });
});

describe('vault: secret references', () => {
  it('resolves vault:NAME and vault:NAME#FIELD through the user vault from the environment', async () => {
    await saveStreamCredentials(vault, 2051, stream);
    await vault.set('splunk', 'hec-token');
    const env = { AMPSTREAM_VAULT: vault.path, AMPSTREAM_VAULT_PASSPHRASE: 'pw' };
    const resolve = createSecretResolver({ env, vault: openVaultReader({ env }) });
    expect(await resolve('vault:splunk')).toBe('hec-token');
    expect(await resolve('vault:stream/2051#password')).toBe(stream.password);
    expect(await resolve('vault:stream/2051#port')).toBe('443');
    await expect(resolve('vault:stream/2051#nope')).rejects.toSatisfy((e) =>
      isAmpError(e, 'SECRET_NOT_FOUND'),
    );
    await expect(resolve('vault:missing')).rejects.toSatisfy((e) => isAmpError(e, 'SECRET_NOT_FOUND'));
  });

  it('fails with VAULT_NO_PASSPHRASE when the vault exists but no passphrase is available', async () => {
    const env = { AMPSTREAM_VAULT: vault.path };
    const resolve = createSecretResolver({ env, vault: openVaultReader({ env, interactive: false }) });
    await expect(resolve('vault:x')).rejects.toSatisfy((e) => isAmpError(e, 'VAULT_NO_PASSPHRASE'));
  });

  it('reads the passphrase from AMPSTREAM_VAULT_PASSPHRASE_FILE', async () => {
    await vault.set('k', 'v');
    const file = join(dir, 'pass');
    await writeFile(file, 'pw\n');
    const env = { AMPSTREAM_VAULT: vault.path, AMPSTREAM_VAULT_PASSPHRASE_FILE: file };
    const resolve = createSecretResolver({ env, vault: openVaultReader({ env, interactive: false }) });
    expect(await resolve('vault:k')).toBe('v');
  });

  it('says there is no vault file when none exists', async () => {
    const env = { AMPSTREAM_VAULT: join(dir, 'none.json'), AMPSTREAM_VAULT_PASSPHRASE: 'pw' };
    const resolve = createSecretResolver({ env, vault: openVaultReader({ env }) });
    await expect(resolve('vault:k')).rejects.toSatisfy((e) => isAmpError(e, 'SECRET_NOT_FOUND'));
  });
});
