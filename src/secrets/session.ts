import { toAmpError, type AmpError } from '../errors.js';
import { openUserVault, type OpenVaultOptions } from './open.js';
import type { Vault } from './vault.js';

/**
 * The vault for the length of one command: opened at most once, lazily, only when something
 * needs it (a command whose credentials all come from flags or env never asks for a
 * passphrase). Reading never creates a vault; `forWrite()` does (asking the passphrase twice).
 */
export type VaultStatus =
  | { readonly kind: 'open'; readonly vault: Vault }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unavailable'; readonly error: AmpError };

export class VaultSession {
  readonly #options: Omit<OpenVaultOptions, 'create'>;
  #read: Promise<VaultStatus> | undefined;

  constructor(options: Omit<OpenVaultOptions, 'create'> = {}) {
    this.#options = options;
  }

  /** The vault if one exists and can be opened; never throws. */
  async status(): Promise<VaultStatus> {
    this.#read ??= openUserVault({ ...this.#options, create: false }).then(
      (vault): VaultStatus => (vault === undefined ? { kind: 'absent' } : { kind: 'open', vault }),
      (e: unknown): VaultStatus => ({ kind: 'unavailable', error: toAmpError(e) }),
    );
    return this.#read;
  }

  /** The vault, created if there is none. Throws when it cannot be opened. */
  async forWrite(): Promise<Vault> {
    const s = await this.status();
    if (s.kind === 'open') return s.vault;
    if (s.kind === 'unavailable') throw s.error;
    const vault = await openUserVault({ ...this.#options, create: true });
    if (vault === undefined) throw new Error('unreachable: openUserVault with create returned nothing');
    this.#read = Promise.resolve({ kind: 'open', vault });
    return vault;
  }

  /** Like `forWrite`, but reports failure as a status instead of throwing. */
  async statusForWrite(): Promise<VaultStatus> {
    try {
      return { kind: 'open', vault: await this.forWrite() };
    } catch (e) {
      return { kind: 'unavailable', error: toAmpError(e) };
    }
  }
}
