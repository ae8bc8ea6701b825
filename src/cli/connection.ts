import { readFile } from 'node:fs/promises';
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { SecureEndpointClient, SecureEndpointClientOptions } from '../api/client.js';
import { normaliseBaseUrl, parseRegion, type Region } from '../api/regions.js';
import { AmpError } from '../errors.js';
import { parseProxyUrl } from '../proxy/settings.js';
import { DEFAULT_ORG } from '../config/schema.js';
import type { AmpstreamConfig, OrganisationConfig } from '../config/types.js';
import {
  apiCredentialsEntry,
  apiLoginOf,
  loadApiCredentials,
  type StoredApiCredentials,
} from '../secrets/credentials.js';
import { createSecretResolver, isSecretRef, openVaultReader, type SecretResolver } from '../secrets/refs.js';
import { VaultSession } from '../secrets/session.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { warn } from './output.js';

/**
 * Connection settings for every command that talks to the API, resolved field by field in
 * this order: flags, then environment, then the login stored in the vault (`ampstream login`).
 *
 *   flags   --region R | --api-url URL, --client-id ID, --api-key KEY, --ca FILE, --insecure,
 *           --proxy URL
 *   env     AMPSTREAM_REGION | AMPSTREAM_API_URL, AMPSTREAM_CLIENT_ID, AMPSTREAM_API_KEY
 *           (or AMPSTREAM_API_KEY_FILE), AMPSTREAM_CA (a PEM file)
 *   vault   entry api/default (api/<NAME> with --org NAME)
 *
 * An organisation (`--org NAME`, docs/fleet.md): the environment speaks for `default` only;
 * for another organisation its entry in the config's `organisations:` (clientId + apiKey
 * reference, when `openApi` is given the config), else the vault entry `api/<NAME>` written by
 * `ampstream login --org NAME`. Flags still override either.
 *
 * The proxy: --proxy, else the one stored with the login; else the API client reads
 * https_proxy/HTTPS_PROXY/http_proxy/HTTP_PROXY and no_proxy/NO_PROXY itself.
 *
 * The stored API key is only paired with the stored client id, and the stored endpoint only
 * used with it: a client id from a flag never borrows another account's key.
 */
export interface ConnectionFlags {
  readonly region?: string | undefined;
  readonly apiUrl?: string | undefined;
  readonly clientId?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly ca?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly proxy?: string | undefined;
  /** (default=`default`) the organisation whose login to use */
  readonly org?: string | undefined;
}

export interface ResolvedConnection {
  /** the organisation label */
  readonly org: string;
  readonly clientId: string;
  readonly apiKey: string;
  readonly region?: Region;
  readonly baseUrl?: string;
  /** PEM text */
  readonly ca?: string;
  readonly insecure: boolean;
  /** secret: an HTTP proxy URL that may hold a password; undefined: the environment decides */
  readonly proxy?: string;
  /** where each part came from, for `--verbose`-style messages (never the values) */
  readonly sources: {
    readonly credentials: 'flags' | 'env' | 'vault' | 'mixed';
    readonly endpoint: 'flags' | 'env' | 'vault' | 'none';
  };
}

/** The option values `addConnectionOptions` adds (commander's camelCase names). */
export interface ConnectionOptionValues {
  region?: string;
  apiUrl?: string;
  clientId?: string;
  apiKey?: string;
  ca?: string;
  insecure?: true;
  proxy?: string;
  org?: string;
}

/** A subcommand that talks to the API: `--json` plus the connection options. */
export function apiCommand(parent: Command, name: string, description: string) {
  return addConnectionOptions(parent.command(name).description(description).option('--json', 'print JSON'));
}

/** Add the connection options to a command (keeps commander's inferred option types). */
export function addConnectionOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
): Command<A, O & ConnectionOptionValues, G> {
  return cmd
    .option('--region <region>', 'Cisco cloud: nam | eu | apjc (env AMPSTREAM_REGION)')
    .option('--api-url <url>', 'API base URL for a private cloud or the emulator (env AMPSTREAM_API_URL)')
    .option('--client-id <id>', 'API client id (env AMPSTREAM_CLIENT_ID)')
    .option(
      '--api-key <key>',
      'API key (avoid: it lands in shell history; prefer AMPSTREAM_API_KEY(_FILE) or `ampstream login`)',
    )
    .option('--ca <file>', 'extra trusted CA certificate, PEM (env AMPSTREAM_CA)')
    .option('--proxy <url>', PROXY_FLAG_HELP)
    .option('--org <name>', ORG_FLAG_HELP)
    .option(
      '--insecure',
      'DISABLE TLS certificate verification (dangerous; for tests only)',
    ) as unknown as Command<A, O & ConnectionOptionValues, G>; // commander's inferred type is the same set of options, but too deep for tsc to emit or compare
}

export const ORG_FLAG_HELP =
  'organisation: its login is the vault entry api/<name> (`ampstream login --org NAME`) (default: default)';

export const PROXY_FLAG_HELP =
  "HTTP proxy, http://[user:password@]host:port (default: the login's, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY)";

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

async function readPem(path: string, origin: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new AmpError('CONFIG_INVALID', `cannot read the CA file ${path} (${origin})`, {
      cause: e,
      hint: 'give a PEM file path',
    });
  }
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new AmpError('CONFIG_INVALID', `cannot read AMPSTREAM_API_KEY_FILE ${path}`, {
      cause: e,
      hint: 'check the path and permissions',
    });
  }
}

type Endpoint = { region: Region } | { baseUrl: string } | undefined;

function endpointOf(region: string | undefined, apiUrl: string | undefined, origin: string): Endpoint {
  if (region !== undefined && apiUrl !== undefined) {
    throw new AmpError('USAGE', `both a region and an API URL are set (${origin})`, {
      hint: 'give one of them',
    });
  }
  if (region !== undefined) return { region: parseRegion(region) };
  if (apiUrl !== undefined) return { baseUrl: normaliseBaseUrl(apiUrl) };
  return undefined;
}

export interface ResolveDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly vault: VaultSession;
  /** the organisation's entry in the config, when a config is at hand */
  readonly organisation?: OrganisationConfig | undefined;
  /** resolves the entry's `apiKey` / `proxy` references (needed with `organisation`) */
  readonly resolveSecret?: SecretResolver | undefined;
}

/** A login given in the config (clientId + apiKey reference), read like a stored one. */
async function configLogin(
  o: OrganisationConfig | undefined,
  resolveSecret: SecretResolver | undefined,
): Promise<StoredApiCredentials | undefined> {
  if (o?.clientId === undefined || o.apiKey === undefined) return undefined;
  const resolve = resolveSecret ?? createSecretResolver({ vault: openVaultReader() });
  const proxy = o.proxy === undefined ? undefined : isSecretRef(o.proxy) ? await resolve(o.proxy) : o.proxy;
  const ca = o.ca === undefined ? undefined : await readPem(o.ca, `organisations ${o.name} ca`);
  return {
    clientId: o.clientId,
    apiKey: await resolve(o.apiKey),
    ...(o.region === undefined ? {} : { region: o.region }),
    ...(o.apiUrl === undefined ? {} : { baseUrl: normaliseBaseUrl(o.apiUrl) }),
    ...(ca === undefined ? {} : { ca }),
    ...(proxy === undefined ? {} : { proxy }),
  };
}

/** Resolve everything; `CREDENTIALS_MISSING` (with a hint to `ampstream login`) when incomplete. */
export async function resolveConnection(
  flags: ConnectionFlags,
  deps: ResolveDeps,
): Promise<ResolvedConnection> {
  const org = flags.org ?? DEFAULT_ORG;
  const orgEntry = apiCredentialsEntry(org); // validates the label
  // the environment's login is the default organisation's; another one has its own
  const env = org === DEFAULT_ORG ? (deps.env ?? process.env) : {};
  const fromConfig = await configLogin(deps.organisation, deps.resolveSecret);
  const flagEndpoint = endpointOf(flags.region, flags.apiUrl, 'flags');
  const envEndpoint = endpointOf(
    envValue(env, 'AMPSTREAM_REGION'),
    envValue(env, 'AMPSTREAM_API_URL'),
    'environment',
  );
  const flagId = flags.clientId;
  const envId = envValue(env, 'AMPSTREAM_CLIENT_ID');
  const flagKey = flags.apiKey;
  const envKeyFile = envValue(env, 'AMPSTREAM_API_KEY_FILE');
  const envKey =
    envValue(env, 'AMPSTREAM_API_KEY') ??
    (envKeyFile === undefined ? undefined : await readKeyFile(envKeyFile));
  const flagCa = flags.ca === undefined ? undefined : await readPem(flags.ca, '--ca');
  const envCaPath = envValue(env, 'AMPSTREAM_CA');
  const envCa = envCaPath === undefined ? undefined : await readPem(envCaPath, 'AMPSTREAM_CA');

  let stored: StoredApiCredentials | undefined = fromConfig;
  const needVault =
    fromConfig === undefined &&
    ((flagId ?? envId) === undefined ||
      (flagKey ?? envKey) === undefined ||
      (flagEndpoint ?? envEndpoint) === undefined);
  let vaultProblem: AmpError | undefined;
  if (needVault) {
    const status = await deps.vault.status();
    if (status.kind === 'open') stored = await loadApiCredentials(status.vault, org);
    else if (status.kind === 'unavailable') vaultProblem = status.error;
  }
  const clientId = flagId ?? envId ?? stored?.clientId;
  const sameAccount = stored !== undefined && stored.clientId === clientId;
  const apiKey = flagKey ?? envKey ?? (sameAccount ? stored?.apiKey : undefined);
  const storedEndpoint: Endpoint = sameAccount
    ? stored?.region !== undefined
      ? { region: parseRegion(stored.region) }
      : stored?.baseUrl !== undefined
        ? { baseUrl: stored.baseUrl }
        : undefined
    : undefined;
  const endpoint = flagEndpoint ?? envEndpoint ?? storedEndpoint;
  const ca = flagCa ?? envCa ?? (sameAccount ? stored?.ca : undefined);
  const proxy = flags.proxy ?? (sameAccount ? stored?.proxy : undefined);
  if (proxy !== undefined) parseProxyUrl(proxy, flags.proxy === undefined ? 'the stored login' : '--proxy');

  if (clientId === undefined || apiKey === undefined || endpoint === undefined) {
    // a wrong passphrase or a damaged vault is the real problem: say that, not "missing"
    if (vaultProblem !== undefined && vaultProblem.code !== 'VAULT_NO_PASSPHRASE') throw vaultProblem;
    const missing = [
      clientId === undefined ? 'client id' : '',
      apiKey === undefined ? 'API key' : '',
      endpoint === undefined ? 'region or API URL' : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
    throw new AmpError(
      'CREDENTIALS_MISSING',
      `no API credentials${org === DEFAULT_ORG ? '' : ` for organisation ${org}`}: missing ${missing}${vaultProblem === undefined ? '' : ` (the vault could not be opened: ${vaultProblem.message})`}`,
      {
        ...(vaultProblem === undefined ? {} : { cause: vaultProblem }),
        hint:
          vaultProblem?.code === 'VAULT_NO_PASSPHRASE'
            ? `${vaultProblem.hint ?? ''}; or set AMPSTREAM_CLIENT_ID, AMPSTREAM_API_KEY and AMPSTREAM_REGION`
            : org === DEFAULT_ORG
              ? 'run `ampstream login --client-id ID` once (stores them in the vault), or set AMPSTREAM_CLIENT_ID, AMPSTREAM_API_KEY and AMPSTREAM_REGION (or AMPSTREAM_API_URL)'
              : `run \`ampstream login --org ${org} --client-id ID\` once (stores them in the vault as ${orgEntry}), or give the organisation clientId, apiKey and region (or apiUrl) in the config's \`organisations:\``,
      },
    );
  }
  const from = (flag: unknown, envV: unknown): 'flags' | 'env' | 'vault' =>
    flag !== undefined ? 'flags' : envV !== undefined ? 'env' : 'vault';
  const idSource = from(flagId, envId);
  const keySource = from(flagKey, envKey);
  return {
    org,
    clientId,
    apiKey,
    ...endpoint,
    ...(ca === undefined ? {} : { ca }),
    ...(proxy === undefined ? {} : { proxy }),
    insecure: flags.insecure === true,
    sources: {
      credentials: idSource === keySource ? idSource : 'mixed',
      endpoint: from(flagEndpoint, envEndpoint),
    },
  };
}

/** The CLI's logger: warnings and errors only (retries, --insecure), on stderr. */
export function cliLogger(): Logger {
  return createLogger({ defaultLevel: 'warn' });
}

/** `retry`: e.g. a backfill waits out every 429 itself (`maxRateLimitRetries: 0`). */
export async function clientFor(
  conn: ResolvedConnection,
  logger: Logger = cliLogger(),
  retry?: SecureEndpointClientOptions['retry'],
): Promise<SecureEndpointClient> {
  // imported here, not at the top: every `ampstream` process (the daemon too) loads this file,
  // only the API commands need the client and undici behind it
  const { SecureEndpointClient } = await import('../api/client.js');
  if (conn.insecure)
    warn('TLS certificate verification is DISABLED (--insecure): the API key can be intercepted');
  return new SecureEndpointClient({
    ...apiLoginOf(conn),
    insecure: conn.insecure,
    logger,
    ...(retry === undefined ? {} : { retry }),
  });
}

export interface OpenApiOptions {
  /** (default=flags.org, else `default`) */
  readonly org?: string | undefined;
  /** the loaded config: its `organisations:` entry for `org`, when there is one */
  readonly config?: Pick<AmpstreamConfig, 'organisations'> | undefined;
  readonly flags?: ConnectionFlags;
  readonly vault?: VaultSession;
  readonly env?: NodeJS.ProcessEnv;
  readonly resolveSecret?: SecretResolver;
  readonly logger?: Logger;
  /** e.g. a backfill waits out every 429 itself (`maxRateLimitRetries: 0`) */
  readonly retry?: SecureEndpointClientOptions['retry'];
}

/**
 * The one place an API connection is made for an organisation: flags, then the config's
 * `organisations:` entry (or, for `default`, the environment), then the vault `api/<org>`.
 */
export async function openApi(options: OpenApiOptions = {}): Promise<SecureEndpointClient> {
  const flags = { ...options.flags, org: options.org ?? options.flags?.org };
  const org = flags.org ?? DEFAULT_ORG;
  const organisation = options.config?.organisations.find((o) => o.name === org);
  if (flags.apiKey !== undefined) warnApiKeyFlag();
  if (flags.proxy !== undefined) warnProxyPasswordFlag(flags.proxy);
  const conn = await resolveConnection(flags, {
    vault: options.vault ?? new VaultSession(),
    ...(options.env === undefined ? {} : { env: options.env }),
    organisation,
    resolveSecret: options.resolveSecret,
  });
  return clientFor(conn, options.logger, options.retry);
}

/** Resolve and build a client in one step; warns when the API key came from a plain flag. */
export async function connect(
  flags: ConnectionFlags,
  deps: ResolveDeps,
  retry?: SecureEndpointClientOptions['retry'],
): Promise<SecureEndpointClient> {
  if (flags.apiKey !== undefined) warnApiKeyFlag();
  if (flags.proxy !== undefined) warnProxyPasswordFlag(flags.proxy);
  return clientFor(await resolveConnection(flags, deps), cliLogger(), retry);
}

/** A proxy password on the command line is visible to other local users. */
export function warnProxyPasswordFlag(proxy: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i.test(proxy))
    warn(
      '--proxy with a password puts it in your shell history and the process list; prefer HTTPS_PROXY, or store it once with `ampstream login --proxy`',
    );
}

export function warnApiKeyFlag(): void {
  warn(
    '--api-key puts the key in your shell history and the process list; prefer AMPSTREAM_API_KEY_FILE, --api-key-stdin or `ampstream login`',
  );
}
