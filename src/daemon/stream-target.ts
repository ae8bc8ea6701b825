import { readFile } from 'node:fs/promises';
import { amqpTargetFromCredentials, isTlsProto } from '../api/amqp-credentials.js';
import { REGION_API_URLS, parseRegion } from '../api/regions.js';
import type { StreamConfig } from '../config/types.js';
import { AmpError } from '../errors.js';
import { parseProxyUrl } from '../proxy/settings.js';
import { isSecretRef } from '../secrets/refs.js';
import {
  loadApiCredentials,
  loadStreamCredentials,
  type CredentialVaultReader,
} from '../secrets/credentials.js';
import type { SecretResolver } from '../secrets/refs.js';
import type { SourceOptions } from '../source/types.js';
import { redactUrls } from '../telemetry/redact.js';

/**
 * Where one configured stream is consumed from: the AMQP URL (with the password, secret),
 * the queue, and the TLS trust. Credentials come from the vault entry `stream/<id>` (saved by
 * `ampstream streams create`) unless the config gives explicit `amqp` settings, whose password
 * is a secret reference. The proxy: the stream's `proxy` (a URL, or a reference holding one),
 * else the proxy of the `ampstream login` the stream was created with; else none here, and the
 * source applies HTTPS_PROXY/NO_PROXY itself.
 */
export interface StreamTarget {
  readonly label: string;
  /** secret: holds the password */
  readonly url: string;
  readonly redactedUrl: string;
  readonly queue: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  /** secret: an HTTP proxy URL that may hold a password; undefined: the environment decides */
  readonly proxy?: string;
  readonly prefetch: number;
  readonly heartbeatSeconds: number;
}

/** The connection part of a source's options for the target; `url` overrides the target's (tail --amqp-url). */
export function sourceConnection(
  t: StreamTarget,
  url: string = t.url,
): Pick<SourceOptions, 'url' | 'queue' | 'ca' | 'insecure' | 'proxy' | 'prefetch' | 'heartbeatSeconds'> {
  return {
    url,
    queue: t.queue,
    ...(t.ca === undefined ? {} : { ca: t.ca }),
    insecure: t.insecure,
    ...(t.proxy === undefined ? {} : { proxy: t.proxy }),
    prefetch: t.prefetch,
    heartbeatSeconds: t.heartbeatSeconds,
  };
}

export interface StreamTargetDeps {
  readonly resolveSecret: SecretResolver;
  /** the user's vault, opened on first use; undefined when there is none */
  readonly vault: () => Promise<CredentialVaultReader | undefined>;
  readonly readFile?: (path: string) => Promise<Buffer>;
}

export async function resolveStreamTarget(
  stream: StreamConfig,
  deps: StreamTargetDeps,
): Promise<StreamTarget> {
  const read = deps.readFile ?? ((p: string) => readFile(p));
  const common = {
    label: stream.label,
    insecure: stream.insecure,
    prefetch: stream.prefetch,
    heartbeatSeconds: stream.heartbeatSeconds,
  };
  let ca: Buffer | undefined;
  if (stream.ca !== undefined) {
    try {
      ca = await read(stream.ca);
    } catch (e) {
      throw new AmpError('CONFIG_INVALID', `stream ${stream.label}: cannot read the CA file ${stream.ca}`, {
        cause: e,
        hint: 'check the `ca` path (relative paths are relative to the config file)',
      });
    }
  }
  const withCa = ca === undefined ? {} : { ca };
  const configuredProxy = await streamProxy(stream, deps);
  const withProxy = configuredProxy === undefined ? {} : { proxy: configuredProxy };
  if (stream.amqp !== undefined)
    return { ...common, ...withCa, ...withProxy, ...(await explicitTarget(stream, deps)) };

  const vault = await deps.vault();
  const id = stream.id ?? (vault === undefined ? '' : declaredStreamId(stream, vault));
  const creds = vault === undefined || id === '' ? undefined : await loadStreamCredentials(vault, id);
  if (vault !== undefined && creds === undefined && stream.id === undefined) {
    throw new AmpError(
      'CREDENTIALS_MISSING',
      `no AMQP credentials for the declared stream ${stream.label} (no vault entry stream/<id> of organisation ${stream.org ?? 'default'} named "${stream.name ?? ''}")`,
      { hint: 'create it with `ampstream apply` (it stores the credentials in the vault), then start again' },
    );
  }
  if (vault === undefined || creds === undefined) {
    throw new AmpError(
      'CREDENTIALS_MISSING',
      `no AMQP credentials for stream ${id} (vault entry stream/${id})`,
      {
        hint:
          vault === undefined
            ? 'there is no vault yet: create the stream with `ampstream streams create` (it stores the credentials), or give explicit `amqp` settings in the config'
            : 'credentials are saved when the stream is created with `ampstream streams create`; for a stream created elsewhere give explicit `amqp` settings',
      },
    );
  }
  const target = amqpTargetFromCredentials(creds);
  let proxy = configuredProxy;
  if (ca === undefined || proxy === undefined) {
    const api = await loadApiCredentials(vault, creds.org ?? stream.org);
    const sameApi =
      api !== undefined &&
      sameOrigin(api.baseUrl ?? (api.region === undefined ? '' : regionUrl(api.region)), creds.apiBase);
    // a stream of the emulator (or a private cloud) is signed by the CA its API login trusts
    if (ca === undefined && sameApi && api.ca !== undefined && api.baseUrl !== undefined)
      ca = Buffer.from(api.ca);
    // and reached through the proxy that login goes through
    if (proxy === undefined && sameApi && api.proxy !== undefined) proxy = api.proxy;
  }
  return {
    ...common,
    ...(ca === undefined ? {} : { ca }),
    ...(proxy === undefined ? {} : { proxy }),
    url: target.url,
    redactedUrl: target.redactedUrl,
    queue: target.queue,
  };
}

/**
 * The id of a declared stream (a name, no id): the vault entry `stream/<id>` that
 * `ampstream apply` saved for this organisation and name (the newest, should there be several).
 */
function declaredStreamId(stream: StreamConfig, vault: CredentialVaultReader): string {
  const org = stream.org ?? 'default';
  let best: { id: string; savedAt: string } | undefined;
  for (const entry of vault.names()) {
    const m = /^stream\/(\d+)$/.exec(entry);
    const text = m === null ? undefined : vault.get(entry);
    if (m?.[1] === undefined || text === undefined) continue;
    let v: { name?: unknown; org?: unknown; savedAt?: unknown };
    try {
      v = JSON.parse(text) as typeof v;
    } catch {
      continue; // a damaged entry: loadStreamCredentials reports it for the stream it belongs to
    }
    if (v.name !== stream.name || (typeof v.org === 'string' ? v.org : 'default') !== org) continue;
    const savedAt = typeof v.savedAt === 'string' ? v.savedAt : '';
    if (best === undefined || savedAt > best.savedAt) best = { id: m[1], savedAt };
  }
  return best?.id ?? '';
}

async function streamProxy(stream: StreamConfig, deps: StreamTargetDeps): Promise<string | undefined> {
  if (stream.proxy === undefined) return undefined;
  const value = isSecretRef(stream.proxy) ? await deps.resolveSecret(stream.proxy) : stream.proxy;
  parseProxyUrl(value, `stream ${stream.label} \`proxy\``); // a clear CONFIG_INVALID now, not at connect
  return value;
}

function regionUrl(region: string): string {
  try {
    return REGION_API_URLS[parseRegion(region)];
  } catch {
    return '';
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

async function explicitTarget(
  stream: StreamConfig,
  deps: StreamTargetDeps,
): Promise<{ url: string; redactedUrl: string; queue: string }> {
  const a = stream.amqp ?? {};
  const queue = a.queue ?? `event_stream_${stream.id ?? ''}`;
  const password = a.password === undefined ? undefined : await deps.resolveSecret(a.password);
  if (a.url !== undefined) {
    const url = new URL(a.url);
    if (a.user !== undefined) url.username = encodeURIComponent(a.user);
    if (password !== undefined) url.password = encodeURIComponent(password);
    return { url: url.href, redactedUrl: redactUrls(url.href), queue };
  }
  const tls = isTlsProto(a.proto ?? 'amqps');
  const target = amqpTargetFromCredentials({
    user_name: a.user ?? '',
    password: password ?? '',
    queue_name: queue,
    host: a.host ?? '',
    port: a.port === undefined ? '' : String(a.port),
    proto: tls ? 'amqps' : 'amqp',
  });
  return { url: target.url, redactedUrl: target.redactedUrl, queue };
}
