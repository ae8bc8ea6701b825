import { readFile } from 'node:fs/promises';
import { AmpError } from '../errors.js';
import { openUserVault, type OpenVaultOptions } from './open.js';

/**
 * Secret references: config files never hold secret values, only where to find them.
 *
 *   env:NAME     the environment variable NAME
 *   file:PATH    the contents of PATH, trailing newline removed (systemd credentials,
 *                Docker/Kubernetes secrets)
 *   vault:NAME   entry NAME of the encrypted vault (see vault.ts)
 *   vault:NAME#FIELD  field FIELD of the JSON object stored in entry NAME, e.g.
 *                vault:stream/2051#password (stream entries are JSON, see credentials.ts)
 *
 * Anything else is rejected: a plain value in a config file is a mistake worth stopping for.
 */
export type SecretRef = `env:${string}` | `file:${string}` | `vault:${string}`;

export const SECRET_REF_PATTERN = /^(env|file|vault):.+$/;

export function isSecretRef(value: string): value is SecretRef {
  return SECRET_REF_PATTERN.test(value);
}

/** Reads a vault entry by name; undefined when the entry does not exist. */
export type VaultReader = (name: string) => Promise<string | undefined>;

export interface SecretResolverOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Opened lazily, only when a `vault:` reference is resolved. */
  readonly vault?: () => Promise<VaultReader>;
}

export type SecretResolver = (ref: string) => Promise<string>;

export function createSecretResolver(options: SecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  let vault: Promise<VaultReader> | undefined;
  return async (ref: string): Promise<string> => {
    const colon = ref.indexOf(':');
    const scheme = colon > 0 ? ref.slice(0, colon) : '';
    const name = ref.slice(colon + 1);
    if (scheme === 'env') {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new AmpError('SECRET_NOT_FOUND', `environment variable ${name} is not set`, {
          hint: `export ${name}=… before starting, or point the setting at file:PATH or vault:NAME`,
        });
      }
      return value;
    }
    if (scheme === 'file') {
      try {
        return (await readFile(name, 'utf8')).replace(/\r?\n$/, '');
      } catch (e) {
        throw new AmpError('SECRET_NOT_FOUND', `cannot read secret file ${name}`, {
          cause: e,
          hint: 'check the path and that this user may read it',
        });
      }
    }
    if (scheme === 'vault') {
      if (options.vault === undefined) {
        throw new AmpError('VAULT_LOCKED', `no vault is available to resolve ${ref}`, {
          hint: 'set AMPSTREAM_VAULT_PASSPHRASE (or _FILE) so the vault can be opened',
        });
      }
      vault ??= options.vault();
      const hash = name.indexOf('#');
      const entry = hash > 0 ? name.slice(0, hash) : name;
      const value = await (await vault)(entry);
      if (value === undefined) {
        throw new AmpError('SECRET_NOT_FOUND', `vault has no entry "${entry}"`, {
          hint: 'list entries with `ampstream vault list`',
        });
      }
      return hash > 0 ? jsonField(value, entry, name.slice(hash + 1)) : value;
    }
    throw new AmpError(
      'SECRET_REF_INVALID',
      'a secret setting must be a reference: env:NAME, file:PATH or vault:NAME',
      {
        hint: 'never put secret values in the config file itself',
      },
    );
  };
}

/** `vault:NAME#FIELD`: one string field of a JSON entry (never echoes the value in errors). */
function jsonField(text: string, entry: string, field: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const value = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new AmpError('SECRET_NOT_FOUND', `vault entry "${entry}" has no field "${field}"`, {
    hint: 'use vault:NAME for the whole entry, or check the field name',
  });
}

/**
 * The vault opener for `createSecretResolver({ vault: openVaultReader() })`: opens the user's
 * vault (path and passphrase from the environment, see open.ts) the first time a `vault:`
 * reference is resolved. No vault file → `SECRET_NOT_FOUND`; no passphrase available →
 * `VAULT_NO_PASSPHRASE`.
 */
export function openVaultReader(options: Omit<OpenVaultOptions, 'create'> = {}): () => Promise<VaultReader> {
  return async () => {
    const vault = await openUserVault({ ...options, create: false });
    if (vault === undefined) {
      throw new AmpError('SECRET_NOT_FOUND', 'a vault: reference was used but there is no vault file', {
        hint: 'create it with `ampstream login` or `ampstream streams create`, or set AMPSTREAM_VAULT to its path',
      });
    }
    return async (name: string) => vault.get(name);
  };
}
