import { isIP, type Socket } from 'node:net';
import type { Region } from '../api/regions.js';
import { toAmpError } from '../errors.js';
import type { ProxySettings } from '../proxy/settings.js';
import { openTunnel } from '../proxy/tunnel.js';
import { clockSkew } from './clock.js';
import type { HttpProbe } from './http.js';
import { errnoOf, type NetProbes } from './net.js';
import { fail, ok, skip, warnResult, type CheckResult } from './types.js';

/**
 * The API checks, in the order a connection is made: proxy (or DNS and TCP), TLS chain and
 * expiry, then over HTTP: credentials (401/403), region, write scope, clock skew. A step that
 * fails makes the later ones SKIP, so the first FAIL is the cause.
 */
export interface ApiEndpoint {
  readonly baseUrl: string;
  readonly region?: Region;
  readonly ca?: string;
  readonly insecure: boolean;
  readonly proxy?: ProxySettings;
}

export interface ApiCheckDeps {
  readonly net: NetProbes;
  readonly http: HttpProbe;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** (default=none) the region these credentials work in, when the configured one said 401 */
  readonly detectRegion?: () => Promise<string | undefined>;
  /** (default=14) a certificate expiring within this many days is a warning */
  readonly expiryWarnDays?: number;
}

export interface ApiCheckOutcome {
  readonly results: CheckResult[];
  /** the organisation's streams (id → name) when the list could be read */
  readonly streams?: ReadonlyMap<string, string>;
}

const S = 'api';
const DAY_MS = 86_400_000;

export async function checkApi(ep: ApiEndpoint, deps: ApiCheckDeps): Promise<ApiCheckOutcome> {
  const results: CheckResult[] = [];
  const url = new URL(ep.baseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port);
  const target = `${host}:${port}`;

  let socket: Socket | undefined;
  if (ep.proxy !== undefined) {
    results.push(skip(S, 'dns', `${host} is resolved by the proxy ${ep.proxy.display}`));
    try {
      socket = await openTunnel(ep.proxy, host, port, { timeoutMs: deps.timeoutMs });
      results.push(ok(S, 'proxy', `${ep.proxy.display} opened a CONNECT tunnel to ${target}`));
    } catch (e) {
      const err = toAmpError(e, 'PROXY_UNREACHABLE');
      results.push(fail(S, 'proxy', err.message, err.hint, err.code));
      return { results: [...results, ...skipRest('the proxy')] };
    }
  } else {
    try {
      const addresses = await deps.net.resolve(host);
      results.push(
        ok(
          S,
          'dns',
          isIP(host) !== 0
            ? `${host} is an IP address (no lookup)`
            : `${host} resolves to ${addresses.slice(0, 3).join(', ')}`,
        ),
      );
    } catch (e) {
      results.push(
        fail(
          S,
          'dns',
          `${host} does not resolve (${errnoOf(e)})`,
          "check the region or API URL, and this host's DNS (/etc/resolv.conf); behind a proxy set HTTPS_PROXY or `ampstream login --proxy`",
          'API_NETWORK',
        ),
      );
      return { results: [...results, ...skipRest('DNS')] };
    }
    try {
      socket = await deps.net.tcp(host, port, deps.timeoutMs);
      results.push(ok(S, 'tcp', `connected to ${target}`));
    } catch (e) {
      results.push(
        fail(
          S,
          'tcp',
          `cannot connect to ${target} (${errnoOf(e)})`,
          'a firewall may block outbound 443: allow it, or go through the proxy (HTTPS_PROXY or `ampstream login --proxy`)',
          'API_NETWORK',
        ),
      );
      return { results: [...results, ...skipRest('TCP')] };
    }
  }

  if (url.protocol === 'https:') {
    const tlsOk = await checkTls(socket, host, ep, deps, results);
    if (!tlsOk) return { results: [...results, ...skipRest('TLS')] };
  } else {
    socket.destroy();
    results.push(
      warnResult(
        S,
        'tls',
        `${ep.baseUrl} is plain HTTP`,
        'use https:// (the API key travels in every request)',
      ),
    );
  }
  return checkHttp(ep, deps, results);
}

function skipRest(step: string): CheckResult[] {
  return ['credentials', 'write scope', 'clock'].map((c) => skip(S, c, `not checked: ${step} failed`));
}

async function checkTls(
  socket: Socket,
  host: string,
  ep: ApiEndpoint,
  deps: ApiCheckDeps,
  results: CheckResult[],
): Promise<boolean> {
  try {
    const t = await deps.net.tls(socket, {
      servername: host,
      ...(ep.ca === undefined ? {} : { ca: ep.ca }),
      timeoutMs: deps.timeoutMs,
    });
    const chain = t.chain.join(' ← ');
    const daysLeft = Math.floor((t.validTo - deps.now()) / DAY_MS);
    if (!t.authorized && !ep.insecure) {
      results.push(
        fail(
          S,
          'tls',
          `the certificate chain is not trusted (${t.authorizationError ?? 'unverified'}): ${chain}`,
          ep.proxy === undefined
            ? 'if a TLS-inspecting firewall re-signs traffic, give its CA with --ca / AMPSTREAM_CA (or `ampstream login --ca`); for the emulator give its ca.pem'
            : 'the proxy may re-sign TLS: give its CA with --ca / AMPSTREAM_CA; otherwise check the API URL',
          'API_NETWORK',
        ),
      );
      return false;
    }
    if (ep.insecure) {
      results.push(
        warnResult(
          S,
          'tls',
          `verification is OFF (--insecure); the chain is ${chain}`,
          'drop --insecure and trust the right CA with --ca',
        ),
      );
    } else if (daysLeft < 0) {
      results.push(
        fail(
          S,
          'tls',
          `the certificate expired ${-daysLeft} day(s) ago: ${chain}`,
          'the server must renew it; check the API URL',
          'API_NETWORK',
        ),
      );
      return false;
    } else if (daysLeft < (deps.expiryWarnDays ?? 14)) {
      results.push(
        warnResult(
          S,
          'tls',
          `${t.protocol}, trusted, but the certificate expires in ${daysLeft} day(s): ${chain}`,
          'renew it (a private cloud or the emulator: regenerate its certificate)',
        ),
      );
    } else {
      results.push(ok(S, 'tls', `${t.protocol}, chain trusted: ${chain}; expires in ${daysLeft} days`));
    }
    return true;
  } catch (e) {
    results.push(
      fail(
        S,
        'tls',
        `no TLS handshake with ${host} (${errnoOf(e)})`,
        'something on the path is not speaking TLS: check the API URL and port, or the proxy',
        'API_NETWORK',
      ),
    );
    return false;
  } finally {
    socket.destroy();
  }
}

async function checkHttp(
  ep: ApiEndpoint,
  deps: ApiCheckDeps,
  results: CheckResult[],
): Promise<ApiCheckOutcome> {
  const sentAt = deps.now();
  let res: Awaited<ReturnType<HttpProbe>>;
  try {
    res = await deps.http('GET', '/v1/event_streams');
  } catch (e) {
    results.push(
      fail(
        S,
        'credentials',
        `GET /v1/event_streams failed: ${errnoOf(e)}`,
        'see the lines above; retry later',
        'API_NETWORK',
      ),
    );
    results.push(skip(S, 'write scope', 'not checked'), skip(S, 'clock', 'not checked'));
    return { results };
  }
  const receivedAt = deps.now();
  let streams: Map<string, string> | undefined;
  if (res.status === 401) {
    results.push(...(await unauthorized(ep, deps)));
  } else if (res.status === 403) {
    results.push(
      fail(
        S,
        'credentials',
        'HTTP 403 on GET /v1/event_streams: the key is known but not allowed to read event streams',
        'create an API credential with access to event streams in the Secure Endpoint console (Accounts > API Credentials)',
        'API_FORBIDDEN',
      ),
    );
  } else if (res.status >= 200 && res.status < 300) {
    streams = parseStreams(res.text);
    results.push(
      ok(
        S,
        'credentials',
        `GET /v1/event_streams: ${res.status}, the organisation has ${streams?.size ?? '?'} stream(s)`,
      ),
    );
    if (ep.region !== undefined) results.push(ok(S, 'region', `the credentials work in region ${ep.region}`));
  } else {
    results.push(
      fail(
        S,
        'credentials',
        `GET /v1/event_streams answered HTTP ${res.status}`,
        res.status === 429
          ? 'the hourly request budget is used up: wait for the reset'
          : 'the API is having trouble: retry later',
        res.status === 429 ? 'API_RATE_LIMITED' : 'API_SERVER_ERROR',
      ),
    );
  }
  if (streams !== undefined) results.push(await writeScope(deps));
  else results.push(skip(S, 'write scope', 'not checked: the credentials were not accepted'));
  const date = res.headers['date'];
  const skew = typeof date === 'string' ? clockSkew(date, sentAt, receivedAt) : undefined;
  if (skew === undefined) results.push(skip(S, 'clock', 'the API sent no usable Date header'));
  else {
    const how =
      skew.skewSeconds === 0
        ? 'in step with'
        : `${Math.abs(skew.skewSeconds)} s ${skew.skewSeconds > 0 ? 'ahead of' : 'behind'}`;
    const evidence = `the local clock is ${how} the API's Date header (${date as string})`;
    const fix =
      'synchronise the clock (systemd-timesyncd, chrony or ntpd); certificate validity and event timestamps depend on it';
    results.push(
      skew.status === 'ok'
        ? ok(S, 'clock', evidence)
        : skew.status === 'warn'
          ? warnResult(S, 'clock', evidence, fix)
          : fail(S, 'clock', evidence, fix),
    );
  }
  return { results, ...(streams === undefined ? {} : { streams }) };
}

async function unauthorized(ep: ApiEndpoint, deps: ApiCheckDeps): Promise<CheckResult[]> {
  const elsewhere = ep.region === undefined ? undefined : await deps.detectRegion?.().catch(() => undefined);
  if (elsewhere !== undefined && elsewhere !== ep.region) {
    return [
      fail(
        S,
        'credentials',
        `HTTP 401 in region ${ep.region ?? '?'}`,
        `use --region ${elsewhere} (or \`ampstream login --region ${elsewhere}\`)`,
        'API_UNAUTHORIZED',
      ),
      fail(
        S,
        'region',
        `these credentials are accepted in region ${elsewhere}, not ${ep.region ?? '?'}`,
        `use --region ${elsewhere}`,
        'API_UNAUTHORIZED',
      ),
    ];
  }
  return [
    fail(
      S,
      'credentials',
      'HTTP 401 on GET /v1/event_streams: the client id or API key is not accepted (revoked, mistyped, or another cloud region)',
      'create a new API credential in the Secure Endpoint console and run `ampstream login --client-id ID` again; keys are per region (nam, eu, apjc)',
      'API_UNAUTHORIZED',
    ),
  ];
}

/**
 * Read-only or read & write, without changing anything: PATCH a stream id that cannot exist.
 * A read-only key is refused before the lookup (403); a read & write key gets 404/400.
 */
async function writeScope(deps: ApiCheckDeps): Promise<CheckResult> {
  try {
    const res = await deps.http('PATCH', '/v1/event_streams/0', { body: '{}' });
    if (res.status === 403)
      return warnResult(
        S,
        'write scope',
        'the API key is read-only (PATCH refused with 403)',
        'fine for `ampstream run`; `streams create/update/delete` need a Read & Write key',
      );
    return ok(
      S,
      'write scope',
      `the API key may write (PATCH of a non-existent stream answered ${res.status}, not 403)`,
    );
  } catch (e) {
    return skip(S, 'write scope', `not determined (${errnoOf(e)})`);
  }
}

function parseStreams(text: string): Map<string, string> | undefined {
  try {
    // ids are 64-bit in theory; the stream ids Cisco hands out are small, and we only compare them as text
    const body = JSON.parse(text.replace(/"id"\s*:\s*(\d+)/g, '"id":"$1"')) as { data?: unknown };
    if (!Array.isArray(body.data)) return undefined;
    const m = new Map<string, string>();
    for (const s of body.data as { id?: unknown; name?: unknown }[])
      if (s.id !== undefined)
        m.set(
          typeof s.id === 'string' || typeof s.id === 'number' ? String(s.id) : '?',
          typeof s.name === 'string' ? s.name : '',
        );
    return m;
  } catch {
    return undefined;
  }
}
