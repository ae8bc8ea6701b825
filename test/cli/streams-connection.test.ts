import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/cli/connection.js';
import { saveApiCredentials } from '../../src/secrets/credentials.js';
import { VaultSession } from '../../src/secrets/session.js';
import { testVault } from '../helpers/vault.js';
import { failure } from '../helpers/failure.js';

/** Connection settings: flags, then env, then the vault login — field by field. */

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ampstream-conn-'));
  env = { AMPSTREAM_VAULT: join(dir, 'vault.json'), AMPSTREAM_VAULT_PASSPHRASE: 'pw' };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storeLogin(login: Parameters<typeof saveApiCredentials>[1]): Promise<void> {
  const { vault } = await testVault(join(dir, 'vault.json'), 'pw');
  await saveApiCredentials(vault, login);
}

function session(e: NodeJS.ProcessEnv = env): VaultSession {
  return new VaultSession({ env: e, interactive: false });
}

describe('resolveConnection', () => {
  it('uses the stored login when nothing else is given', async () => {
    await storeLogin({ clientId: 'stored-id', apiKey: 'stored-key', region: 'eu', ca: 'PEM' });
    const c = await resolveConnection({}, { env, vault: session() });
    expect(c).toMatchObject({
      clientId: 'stored-id',
      apiKey: 'stored-key',
      region: 'eu',
      ca: 'PEM',
      sources: { credentials: 'vault', endpoint: 'vault' },
    });
  });

  it('prefers flags over environment over the vault', async () => {
    await storeLogin({ clientId: 'stored-id', apiKey: 'stored-key', region: 'eu' });
    const e2 = {
      ...env,
      AMPSTREAM_CLIENT_ID: 'env-id',
      AMPSTREAM_API_KEY: 'env-key',
      AMPSTREAM_REGION: 'apjc',
    };
    const fromEnv = await resolveConnection({}, { env: e2, vault: session(e2) });
    expect(fromEnv).toMatchObject({ clientId: 'env-id', apiKey: 'env-key', region: 'apjc' });
    const fromFlags = await resolveConnection(
      { clientId: 'flag-id', apiKey: 'flag-key', apiUrl: 'https://127.0.0.1:9/' },
      { env: e2, vault: session(e2) },
    );
    expect(fromFlags).toMatchObject({
      clientId: 'flag-id',
      apiKey: 'flag-key',
      baseUrl: 'https://127.0.0.1:9',
      sources: { credentials: 'flags', endpoint: 'flags' },
    });
    expect(fromFlags.region).toBeUndefined();
  });

  it('never pairs the stored API key with a different client id', async () => {
    await storeLogin({ clientId: 'stored-id', apiKey: 'stored-key', region: 'eu' });
    const e = await failure(resolveConnection({ clientId: 'someone-else' }, { env, vault: session() }));
    expect(e.code).toBe('CREDENTIALS_MISSING');
    expect(e.message).toContain('API key');
  });

  it('reads the key from AMPSTREAM_API_KEY_FILE and the CA from AMPSTREAM_CA', async () => {
    await writeFile(join(dir, 'key'), 'file-key\n');
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const e2 = {
      ...env,
      AMPSTREAM_CLIENT_ID: 'id',
      AMPSTREAM_API_KEY_FILE: join(dir, 'key'),
      AMPSTREAM_REGION: 'NA',
      AMPSTREAM_CA: join(dir, 'ca.pem'),
    };
    const c = await resolveConnection({}, { env: e2, vault: session(e2) });
    expect(c).toMatchObject({
      apiKey: 'file-key',
      region: 'nam',
      ca: '-----BEGIN CERTIFICATE-----\n',
      sources: { credentials: 'env' },
    });
  });

  it('does not open the vault when flags and env say everything', async () => {
    const e2 = {
      AMPSTREAM_VAULT: join(dir, 'vault.json'),
      AMPSTREAM_CLIENT_ID: 'id',
      AMPSTREAM_API_KEY: 'k',
      AMPSTREAM_API_URL: 'https://x.example',
    };
    await storeLogin({ clientId: 'x', apiKey: 'y' }); // exists, but no passphrase is available: must not matter
    const c = await resolveConnection({}, { env: e2, vault: session(e2) });
    expect(c.baseUrl).toBe('https://x.example');
  });

  it('says what is missing and points at `ampstream login`', async () => {
    const e = await failure(resolveConnection({ clientId: 'id' }, { env, vault: session() }));
    expect(e.code).toBe('CREDENTIALS_MISSING');
    expect(e.exitCode).toBe(78);
    expect(e.message).toContain('API key, region or API URL');
    expect(e.hint).toContain('ampstream login');
  });

  it('reports a wrong vault passphrase as such', async () => {
    await storeLogin({ clientId: 'a', apiKey: 'b', region: 'eu' });
    const bad = { ...env, AMPSTREAM_VAULT_PASSPHRASE: 'nope' };
    expect((await failure(resolveConnection({}, { env: bad, vault: session(bad) }))).code).toBe(
      'VAULT_BAD_PASSPHRASE',
    );
  });

  it('rejects a region and an API URL together', async () => {
    expect(
      (await failure(resolveConnection({ region: 'eu', apiUrl: 'https://x' }, { env, vault: session() })))
        .code,
    ).toBe('USAGE');
  });
});
