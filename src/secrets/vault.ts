import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AmpError } from '../errors.js';
import { writeFileAtomic, type AtomicFs } from './atomic-write.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import {
  DEFAULT_VAULT_KDF,
  decryptEntries,
  encryptEntries,
  parseEnvelope,
  type DerivedKey,
  type VaultKdfParams,
} from './vault-crypto.js';

/**
 * The encrypted vault: one file holding name → string entries (API login, one-time stream
 * passwords, any secret a config references as `vault:NAME`). Format and crypto:
 * vault-crypto.ts. Every change is a locked read-modify-write of the whole file, written
 * atomically with mode 0600, so concurrent ampstream processes never lose an entry and a
 * crash never leaves a partial file.
 */

/** What the credential helpers and secret references need from a vault. */
export interface VaultStore {
  get(name: string): string | undefined;
  names(): string[];
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  update(change: (entries: Map<string, string>) => void): Promise<void>;
}

export interface VaultOptions {
  readonly path: string;
  readonly passphrase: string;
  /** (default=DEFAULT_VAULT_KDF) scrypt parameters for writes */
  readonly kdf?: VaultKdfParams;
  readonly lock?: FileLockOptions;
  /** injected for fault-injection tests */
  readonly fs?: AtomicFs;
}

/** Entry names: path-like ASCII (`api/default`, `stream/2051`, `splunk-token`). */
export const VAULT_ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,199}$/;

export function assertEntryName(name: string): void {
  if (!VAULT_ENTRY_NAME.test(name)) {
    throw new AmpError('USAGE', `"${name}" is not a valid vault entry name`, {
      hint: 'use letters, digits and . _ @ : / - (at most 200 characters)',
    });
  }
}

/**
 * Default vault location: `$AMPSTREAM_VAULT`, else `$XDG_CONFIG_HOME/ampstream/vault.json`,
 * else `~/.config/ampstream/vault.json`.
 */
export function defaultVaultPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['AMPSTREAM_VAULT'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'ampstream', 'vault.json');
}

export async function vaultExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function readEntries(
  path: string,
  passphrase: string,
  known?: DerivedKey,
): Promise<{ entries: Map<string, string>; key: DerivedKey } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AmpError('SECRET_NOT_FOUND', `cannot read the vault ${path}`, {
      cause: e,
      hint: 'check the path (AMPSTREAM_VAULT) and that this user may read it',
    });
  }
  return decryptEntries(parseEnvelope(text, path), passphrase, path, known);
}

export class Vault implements VaultStore {
  readonly path: string;
  #passphrase: string;
  #entries: Map<string, string>;
  /** the key of the file as we last read or wrote it: re-reading our own write costs no scrypt */
  #key: DerivedKey | undefined;
  readonly #options: VaultOptions;

  private constructor(options: VaultOptions, entries: Map<string, string>, key?: DerivedKey) {
    this.path = options.path;
    this.#passphrase = options.passphrase;
    this.#entries = entries;
    this.#key = key;
    this.#options = options;
  }

  /** Open an existing vault. `SECRET_NOT_FOUND` if there is none, `VAULT_BAD_PASSPHRASE`, `VAULT_CORRUPT`. */
  static async open(options: VaultOptions): Promise<Vault> {
    const read = await readEntries(options.path, options.passphrase);
    if (read === undefined) {
      throw new AmpError('SECRET_NOT_FOUND', `there is no vault at ${options.path}`, {
        hint: 'it is created by `ampstream login` or `ampstream streams create`; set AMPSTREAM_VAULT to use another file',
      });
    }
    return new Vault(options, read.entries, read.key);
  }

  /** Open the vault, or create an empty one (written at once, 0600) if the file does not exist. */
  static async openOrCreate(options: VaultOptions): Promise<{ vault: Vault; created: boolean }> {
    return withFileLock(
      `${options.path}.lock`,
      async () => {
        const read = await readEntries(options.path, options.passphrase);
        if (read !== undefined) return { vault: new Vault(options, read.entries, read.key), created: false };
        const vault = new Vault(options, new Map());
        await vault.#write(vault.#entries);
        return { vault, created: true };
      },
      options.lock,
    );
  }

  get(name: string): string | undefined {
    return this.#entries.get(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Entry names, sorted. Values are never listed. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  async set(name: string, value: string): Promise<void> {
    assertEntryName(name);
    await this.update((entries) => {
      entries.set(name, value);
    });
  }

  async delete(name: string): Promise<boolean> {
    let existed = false;
    await this.update((entries) => {
      existed = entries.delete(name);
    });
    return existed;
  }

  /**
   * Locked read-modify-write: re-reads the file (another process may have written it since we
   * opened it), applies `change`, writes atomically, and only then updates this instance.
   */
  async update(change: (entries: Map<string, string>) => void): Promise<void> {
    await withFileLock(
      `${this.path}.lock`,
      async () => {
        const current =
          (await readEntries(this.path, this.#passphrase, this.#key))?.entries ?? new Map<string, string>();
        const next = new Map(current);
        change(next);
        for (const name of next.keys()) assertEntryName(name);
        await this.#write(next);
        this.#entries = next;
      },
      this.#options.lock,
    );
  }

  /** Re-encrypt everything under a new passphrase. */
  async changePassphrase(newPassphrase: string): Promise<void> {
    await withFileLock(
      `${this.path}.lock`,
      async () => {
        const current =
          (await readEntries(this.path, this.#passphrase, this.#key))?.entries ?? new Map<string, string>();
        this.#passphrase = newPassphrase;
        this.#key = undefined;
        await this.#write(current);
        this.#entries = current;
      },
      this.#options.lock,
    );
  }

  async #write(entries: ReadonlyMap<string, string>): Promise<void> {
    const { envelope, key } = await encryptEntries(
      entries,
      this.#passphrase,
      this.#options.kdf ?? DEFAULT_VAULT_KDF,
    );
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(envelope, null, 2)}\n`, {
        mode: 0o600,
        ...(this.#options.fs === undefined ? {} : { fs: this.#options.fs }),
      });
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new AmpError('VAULT_WRITE_FAILED', `cannot write the vault ${this.path} (${errno})`, {
        cause: e,
        details: { path: this.path, errno },
        hint:
          errno === 'ENOSPC' || errno === 'EDQUOT'
            ? 'the disk is full: free some space and try again'
            : 'check that the vault directory is writable by this user (AMPSTREAM_VAULT moves the vault)',
      });
    }
    this.#key = key;
  }
}
