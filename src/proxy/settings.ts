import { AmpError } from '../errors.js';

/**
 * Which outbound HTTP proxy (if any) a connection goes through. One rule for the REST API and
 * for AMQPS, so both go the same way:
 *
 * 1. a configured proxy URL (`--proxy`, the stored login, a stream's `proxy`) wins;
 * 2. otherwise the usual environment variables, as curl reads them: `https_proxy`,
 *    `HTTPS_PROXY`, then `http_proxy`, `HTTP_PROXY` (every target here is TLS, but many
 *    networks only set the http one), unless the target host matches `no_proxy`/`NO_PROXY`.
 *
 * Only `http://[user:password@]host[:port]` proxies are supported: the proxy is asked for a
 * CONNECT tunnel, and TLS runs end to end through it (the proxy never sees the traffic).
 * The password is kept out of `display`, which is what messages and logs show.
 */
export interface ProxySettings {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  /** secret */
  readonly password?: string;
  /** `http://[user@]host:port`: never the password */
  readonly display: string;
}

const DEFAULT_PROXY_PORT = 80;

/** Parse a proxy URL; CONFIG_INVALID (without the value's password) when it is not usable. */
export function parseProxyUrl(value: string, origin: string): ProxySettings {
  const text = value.trim();
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch (e) {
    throw new AmpError('CONFIG_INVALID', `the proxy URL from ${origin} is not a URL`, {
      cause: e,
      hint: 'give it as http://[user:password@]host:port',
    });
  }
  if (u.protocol !== 'http:') {
    throw new AmpError(
      'CONFIG_INVALID',
      `the proxy URL from ${origin} uses ${u.protocol.replace(/:$/, '')}://: only http:// proxies (CONNECT) are supported`,
      { hint: 'give it as http://[user:password@]host:port (TLS still runs end to end through the tunnel)' },
    );
  }
  if (u.hostname === '') {
    throw new AmpError('CONFIG_INVALID', `the proxy URL from ${origin} has no host`, {
      hint: 'give it as http://[user:password@]host:port',
    });
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? DEFAULT_PROXY_PORT : Number(u.port);
  const username = u.username === '' ? undefined : decodeURIComponent(u.username);
  const password = u.password === '' ? undefined : decodeURIComponent(u.password);
  const display = `http://${u.username === '' ? '' : `${u.username}@`}${u.host}${u.port === '' ? `:${port}` : ''}`;
  return {
    host,
    port,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    display,
  };
}

function envValue(env: NodeJS.ProcessEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const v = env[name]?.trim();
    if (v !== undefined && v !== '') return { name, value: v };
  }
  return undefined;
}

/**
 * Does `no_proxy` exempt host:port? Entries are separated by commas or spaces; `*` matches
 * everything; `example.com`, `.example.com` and `*.example.com` match the domain and its
 * subdomains; `host:port` only that port; IP addresses match literally (no CIDR ranges).
 */
export function bypassesProxy(host: string, port: number, noProxy: string): boolean {
  const target = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[(.*)\](?=:|$)/, '$1'));
    if (m === null) continue;
    entry = (m[1] ?? '').replace(/^\*?\./, '');
    if (m[2] !== undefined && Number(m[2]) !== port) continue;
    if (entry === '') continue;
    if (target === entry || target.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy URL the environment gives for host:port, with the variable's name; or undefined. */
export function proxyFromEnv(
  host: string,
  port: number,
  env: NodeJS.ProcessEnv,
): { name: string; value: string } | undefined {
  const found = envValue(env, 'https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY');
  if (found === undefined) return undefined;
  const noProxy = envValue(env, 'no_proxy', 'NO_PROXY');
  if (noProxy !== undefined && bypassesProxy(host, port, noProxy.value)) return undefined;
  return found;
}

export interface ResolveProxyOptions {
  /** a configured proxy URL; wins over the environment */
  readonly configured?: string | undefined;
  /** where `configured` came from, for error messages (default "the configuration") */
  readonly origin?: string;
  readonly host: string;
  readonly port: number;
  /** (default=process.env) */
  readonly env?: NodeJS.ProcessEnv;
}

/** The proxy to use for host:port, or undefined for a direct connection. */
export function resolveProxy(o: ResolveProxyOptions): ProxySettings | undefined {
  if (o.configured !== undefined && o.configured.trim() !== '')
    return parseProxyUrl(o.configured, o.origin ?? 'the configuration');
  const fromEnv = proxyFromEnv(o.host, o.port, o.env ?? process.env);
  return fromEnv === undefined ? undefined : parseProxyUrl(fromEnv.value, `env ${fromEnv.name}`);
}
