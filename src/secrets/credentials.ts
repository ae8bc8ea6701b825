import { AmpError } from '../errors.js';
import type { VaultStore } from './vault.js';

/**
 * Typed entries on top of the vault.
 *
 *   api/<org>      the Secure Endpoint API login of an organisation (`api/default` unless
 *                  `ampstream login --org NAME`): {clientId, apiKey, region? | baseUrl?, ca?, proxy?}
 *   stream/<id>    one stream's AMQP credentials, saved the moment the stream is created
 *                  (Cisco shows the password only then): {apiBase, org?, user_name, password,
 *                  host, port, proto, queue_name, name, savedAt} (org absent: `default`)
 *
 * Values are JSON strings. This module does not import the API client (secrets sit below api/
 * in the dependency order), so the shapes here are structural copies of the API's.
 */

/** Only the reading/writing part of a vault is needed. */
export type CredentialVault = Pick<VaultStore, 'get' | 'names' | 'set' | 'delete' | 'update'>;
export type CredentialVaultReader = Pick<VaultStore, 'get' | 'names'>;

export const API_CREDENTIALS_ENTRY = 'api/default';

/** The vault entry of an organisation's API login: `api/<org>` (`api/default` for none). */
export function apiCredentialsEntry(org: string = 'default'): string {
  if (!/^[a-z0-9_-]+$/.test(org))
    throw new AmpError('USAGE', `"${org}" is not an organisation name`, {
      hint: 'organisation names are labels: lower-case letters, digits, "_" and "-"',
    });
  return `api/${org}`;
}
export const STREAM_ENTRY_PREFIX = 'stream/';

export interface StoredApiCredentials {
  readonly clientId: string;
  readonly apiKey: string;
  /** a Cisco region (nam | eu | apjc); exclusive with baseUrl */
  readonly region?: string;
  /** private cloud or emulator base URL; exclusive with region */
  readonly baseUrl?: string;
  /** extra trusted CA, PEM text */
  readonly ca?: string;
  /** outbound HTTP proxy URL, `http://[user:password@]host:port` (may hold a password) */
  readonly proxy?: string;
  /** ISO time of saving */
  readonly savedAt?: string;
}

export interface StoredStreamCredentials {
  /** The API the stream belongs to (e.g. https://api.amp.cisco.com). */
  readonly apiBase: string;
  /** the organisation label it was created for (absent: `default`) */
  readonly org?: string;
  readonly user_name: string;
  readonly password: string;
  readonly host: string;
  /** a string, as the API sends it */
  readonly port: string;
  readonly proto: string;
  readonly queue_name: string;
  /** the stream's name when it was created */
  readonly name: string;
  readonly savedAt?: string;
}

/** Everything but the password: what listings may show. */
export type StreamCredentialsSummary = Omit<StoredStreamCredentials, 'password'> & { readonly id: string };

export function streamEntryName(streamId: number | string): string {
  const id = String(streamId);
  if (!/^\d+$/.test(id))
    throw new AmpError('USAGE', `"${id}" is not a stream id`, { hint: 'stream ids are integers' });
  return `${STREAM_ENTRY_PREFIX}${id}`;
}

function parseEntry(name: string, text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AmpError('VAULT_CORRUPT', `vault entry ${name} is not the expected JSON object`, {
    hint: `remove it (\`ampstream vault delete ${name}\`) and store it again`,
  });
}

function str(obj: Record<string, unknown>, key: string, entry: string, optional = false): string | undefined {
  const v = obj[key];
  if (typeof v === 'string') return v;
  if (v === undefined && optional) return undefined;
  if (typeof v === 'number' && key === 'port') return String(v);
  throw new AmpError('VAULT_CORRUPT', `vault entry ${entry} has no valid "${key}"`, {
    hint: `remove it (\`ampstream vault delete ${entry}\`) and store it again`,
  });
}

// ---- API login ---------------------------------------------------------------------------

/** An API login as the client takes it: id, key, and where the API is. */
export type ApiLogin = Pick<
  StoredApiCredentials,
  'clientId' | 'apiKey' | 'region' | 'baseUrl' | 'ca' | 'proxy'
>;

/** The login fields of `c` (a stored login, a resolved connection), only those that are set. */
export function apiLoginOf(c: ApiLogin): ApiLogin {
  return {
    clientId: c.clientId,
    apiKey: c.apiKey,
    ...(c.region === undefined ? {} : { region: c.region }),
    ...(c.baseUrl === undefined ? {} : { baseUrl: c.baseUrl }),
    ...(c.ca === undefined ? {} : { ca: c.ca }),
    ...(c.proxy === undefined ? {} : { proxy: c.proxy }),
  };
}

export async function saveApiCredentials(
  vault: CredentialVault,
  creds: StoredApiCredentials,
  org?: string,
): Promise<void> {
  if (creds.region !== undefined && creds.baseUrl !== undefined) {
    throw new AmpError('USAGE', 'give either a region or a base URL, not both');
  }
  const value: StoredApiCredentials = {
    ...apiLoginOf(creds),
    savedAt: creds.savedAt ?? new Date().toISOString(),
  };
  await vault.set(apiCredentialsEntry(org), JSON.stringify(value));
}

export async function loadApiCredentials(
  vault: CredentialVaultReader,
  org?: string,
): Promise<StoredApiCredentials | undefined> {
  const e = apiCredentialsEntry(org);
  const text = vault.get(e);
  if (text === undefined) return undefined;
  const o = parseEntry(e, text);
  const region = str(o, 'region', e, true);
  const baseUrl = str(o, 'baseUrl', e, true);
  const ca = str(o, 'ca', e, true);
  const proxy = str(o, 'proxy', e, true);
  const savedAt = str(o, 'savedAt', e, true);
  return {
    clientId: str(o, 'clientId', e) ?? '',
    apiKey: str(o, 'apiKey', e) ?? '',
    ...(region === undefined ? {} : { region }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(ca === undefined ? {} : { ca }),
    ...(proxy === undefined ? {} : { proxy }),
    ...(savedAt === undefined ? {} : { savedAt }),
  };
}

// ---- stream credentials ------------------------------------------------------------------

export interface SaveStreamResult {
  readonly entry: string;
  /**
   * Set when `stream/<id>` already held credentials of a *different* AMQP user (another API,
   * e.g. an emulator that reused the id): they were kept under this name rather than lost.
   */
  readonly archivedAs?: string;
}

/**
 * Store a stream's AMQP credentials under `stream/<id>`, in one locked write. A one-time
 * password is never overwritten silently: a different user's entry is moved aside first.
 */
export async function saveStreamCredentials(
  vault: CredentialVault,
  streamId: number | string,
  creds: StoredStreamCredentials,
): Promise<SaveStreamResult> {
  const entry = streamEntryName(streamId);
  if (creds.password === '')
    throw new AmpError('CREDENTIALS_MISSING', 'refusing to store stream credentials without a password');
  const value: StoredStreamCredentials = {
    apiBase: creds.apiBase,
    ...(creds.org === undefined || creds.org === 'default' ? {} : { org: creds.org }),
    user_name: creds.user_name,
    password: creds.password,
    host: creds.host,
    port: String(creds.port),
    proto: creds.proto,
    queue_name: creds.queue_name,
    name: creds.name,
    savedAt: creds.savedAt ?? new Date().toISOString(),
  };
  let archivedAs: string | undefined;
  await vault.update((entries) => {
    const previous = entries.get(entry);
    if (previous !== undefined) {
      let prevUser: unknown;
      try {
        prevUser = (JSON.parse(previous) as { user_name?: unknown }).user_name;
      } catch {
        prevUser = undefined;
      }
      if (prevUser !== value.user_name) {
        archivedAs = `archive/${entry}/${Date.now()}`;
        entries.set(archivedAs, previous);
      }
    }
    entries.set(entry, JSON.stringify(value));
  });
  return archivedAs === undefined ? { entry } : { entry, archivedAs };
}

export async function loadStreamCredentials(
  vault: CredentialVaultReader,
  streamId: number | string,
): Promise<StoredStreamCredentials | undefined> {
  const entry = streamEntryName(streamId);
  const text = vault.get(entry);
  if (text === undefined) return undefined;
  return decodeStream(entry, text);
}

function decodeStream(entry: string, text: string): StoredStreamCredentials {
  const o = parseEntry(entry, text);
  const savedAt = str(o, 'savedAt', entry, true);
  const org = str(o, 'org', entry, true);
  return {
    apiBase: str(o, 'apiBase', entry, true) ?? '',
    ...(org === undefined ? {} : { org }),
    user_name: str(o, 'user_name', entry) ?? '',
    password: str(o, 'password', entry) ?? '',
    host: str(o, 'host', entry) ?? '',
    port: str(o, 'port', entry) ?? '',
    proto: str(o, 'proto', entry) ?? '',
    queue_name: str(o, 'queue_name', entry) ?? '',
    name: str(o, 'name', entry, true) ?? '',
    ...(savedAt === undefined ? {} : { savedAt }),
  };
}

/** Every stored stream, without passwords, sorted by id. Damaged entries are skipped. */
export async function listStreamCredentials(
  vault: CredentialVaultReader,
): Promise<StreamCredentialsSummary[]> {
  const out: StreamCredentialsSummary[] = [];
  for (const name of vault.names()) {
    const m = /^stream\/(\d+)$/.exec(name);
    const text = m === null ? undefined : vault.get(name);
    if (m?.[1] === undefined || text === undefined) continue;
    try {
      const { password: _password, ...rest } = decodeStream(name, text);
      out.push({ id: m[1], ...rest });
    } catch {
      // a damaged entry must not hide the others; loadStreamCredentials reports it
    }
  }
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

export async function removeStreamCredentials(
  vault: CredentialVault,
  streamId: number | string,
): Promise<boolean> {
  return vault.delete(streamEntryName(streamId));
}
