import { obtainPassphrase } from './passphrase.js';
import { createHiddenPrompt, type SecretPrompt } from './prompt.js';
import { Vault, defaultVaultPath, vaultExists } from './vault.js';
import type { VaultKdfParams } from './vault-crypto.js';

/**
 * Open the user's vault the way every command does: the path from the environment, the
 * passphrase from env / file / prompt, created on demand only where the caller is about to
 * store something (login, streams create).
 */
export interface OpenVaultOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** (default=defaultVaultPath(env)) */
  readonly path?: string;
  /** (default=false) create an empty vault when there is none (asking the passphrase twice) */
  readonly create?: boolean;
  /** (default=process.stdin.isTTY) */
  readonly interactive?: boolean;
  /** (default=a hidden prompt on stdin/stderr) */
  readonly prompt?: SecretPrompt;
  readonly kdf?: VaultKdfParams;
}

/**
 * Returns undefined when there is no vault file and `create` is false (nothing stored yet:
 * no passphrase is asked for). Throws VAULT_NO_PASSPHRASE, VAULT_BAD_PASSPHRASE, VAULT_CORRUPT.
 */
export async function openUserVault(options: OpenVaultOptions = {}): Promise<Vault | undefined> {
  const env = options.env ?? process.env;
  const path = options.path ?? defaultVaultPath(env);
  const exists = await vaultExists(path);
  if (!exists && options.create !== true) return undefined;
  const passphrase = await obtainPassphrase({
    env,
    ...(options.interactive === undefined ? {} : { interactive: options.interactive }),
    prompt: options.prompt ?? createHiddenPrompt(),
    confirm: !exists,
    vaultPath: path,
  });
  const vaultOptions = { path, passphrase, ...(options.kdf === undefined ? {} : { kdf: options.kdf }) };
  if (exists) return Vault.open(vaultOptions);
  return (await Vault.openOrCreate(vaultOptions)).vault;
}
