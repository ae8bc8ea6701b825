import { readFile } from 'node:fs/promises';
import { AmpError } from '../errors.js';
import type { SecretPrompt } from './prompt.js';

/**
 * Where the vault passphrase comes from, in this order:
 *   1. AMPSTREAM_VAULT_PASSPHRASE       (the value itself)
 *   2. AMPSTREAM_VAULT_PASSPHRASE_FILE  (a file holding it: systemd credentials, Docker secrets)
 *   3. a hidden prompt, only when stdin is a terminal; asked twice when creating a vault
 * Otherwise `VAULT_NO_PASSPHRASE`: a daemon or a script never blocks waiting for input.
 */
export interface PassphraseOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** (default=process.stdin.isTTY) may we prompt? */
  readonly interactive?: boolean;
  /** required when interactive */
  readonly prompt?: SecretPrompt;
  /** (default=false) creating a new vault: ask twice and compare */
  readonly confirm?: boolean;
  /** shown in the prompt */
  readonly vaultPath?: string;
}

export const PASSPHRASE_ENV = 'AMPSTREAM_VAULT_PASSPHRASE';
export const PASSPHRASE_FILE_ENV = 'AMPSTREAM_VAULT_PASSPHRASE_FILE';

export async function obtainPassphrase(options: PassphraseOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const direct = env[PASSPHRASE_ENV];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[PASSPHRASE_FILE_ENV];
  if (file !== undefined && file !== '') return readPassphraseFile(file);
  const interactive = options.interactive ?? process.stdin.isTTY === true;
  if (!interactive || options.prompt === undefined) {
    throw new AmpError('VAULT_NO_PASSPHRASE', 'the vault passphrase is needed but none is available', {
      hint: `set ${PASSPHRASE_ENV}, or ${PASSPHRASE_FILE_ENV}=/path/to/file, or run the command in a terminal to be asked`,
    });
  }
  const where = options.vaultPath === undefined ? '' : ` (${options.vaultPath})`;
  const first = await options.prompt(
    options.confirm === true ? `New vault passphrase${where}: ` : `Vault passphrase${where}: `,
  );
  if (first === '') throw new AmpError('VAULT_NO_PASSPHRASE', 'an empty passphrase is not allowed');
  if (options.confirm === true) {
    const second = await options.prompt('Repeat the passphrase: ');
    if (second !== first) {
      throw new AmpError('VAULT_NO_PASSPHRASE', 'the two passphrases differ', {
        hint: 'run the command again',
      });
    }
  }
  return first;
}

async function readPassphraseFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AmpError(
      'VAULT_NO_PASSPHRASE',
      `cannot read the passphrase file ${path} (${PASSPHRASE_FILE_ENV})`,
      {
        cause: e,
        hint: 'check the path and that this user may read it',
      },
    );
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    throw new AmpError('VAULT_NO_PASSPHRASE', `the passphrase file ${path} is empty`, {
      hint: `put the passphrase in ${path}`,
    });
  }
  return value;
}
