import { stat } from 'node:fs/promises';
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
  /** (default=a `warning:` line on stderr) where a warning about the vault file goes */
  readonly warn?: (message: string) => void;
}

/**
 * The vault file should be 0600: readable by others, its encrypted entries are exposed to an
 * offline passphrase guess. Returns the warning, or undefined.
 */
export async function vaultModeWarning(path: string): Promise<string | undefined> {
  try {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) === 0) return undefined;
    return `the vault ${path} has mode ${mode.toString(8).padStart(4, '0')}: other users can read it; run \`chmod 600 ${path}\``;
  } catch {
    return undefined;
  }
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
  if (exists) {
    const warning = await vaultModeWarning(path);
    if (warning !== undefined)
      (options.warn ?? ((m: string) => void process.stderr.write(`warning: ${m}\n`)))(warning);
    return Vault.open(vaultOptions);
  }
  return (await Vault.openOrCreate(vaultOptions)).vault;
}
