import { saveApiCredentials, saveStreamCredentials } from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import type { CreatedStream, TestEmulator } from './emulator.js';

/** A cheap scrypt cost for tests (the real default is deliberately slow). */
export const TEST_KDF = { n: 2 ** 10, r: 8, p: 1 } as const;

export interface TestVault {
  readonly vault: Vault;
  /** what the CLI needs to open the same vault without a prompt */
  readonly env: { readonly AMPSTREAM_VAULT: string; readonly AMPSTREAM_VAULT_PASSPHRASE: string };
}

/** Opens (creating it when missing) the vault at `path`, with the test KDF cost. */
export async function testVault(path: string, passphrase: string): Promise<TestVault> {
  const { vault } = await Vault.openOrCreate({ path, passphrase, kdf: TEST_KDF });
  return { vault, env: { AMPSTREAM_VAULT: path, AMPSTREAM_VAULT_PASSPHRASE: passphrase } };
}

/**
 * What `ampstream login` and `ampstream streams create` leave in the vault against the
 * emulator: its API login (with its CA) and the stream's AMQP credentials.
 */
export async function seedEmulatorVault(
  vault: Vault,
  emu: TestEmulator,
  stream: CreatedStream,
): Promise<void> {
  await saveApiCredentials(vault, {
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    baseUrl: emu.apiUrl,
    ca: emu.caPem,
  });
  await saveStreamCredentials(vault, stream.id, {
    apiBase: emu.apiUrl,
    ...stream.amqp_credentials,
    name: stream.name,
  });
}
