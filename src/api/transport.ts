import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { AmpError, isAmpError } from '../errors.js';
import { resolveProxy, type ProxySettings } from '../proxy/settings.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { backoffDelay, RetryPolicy } from '../util/retry.js';
import { VERSION } from '../version.js';
import { decodeEnvelope, decompress, parseBody } from './envelope.js';
import { apiErrorFromResponse, networkError } from './http-errors.js';
import { proxyConnector } from './proxy-connector.js';
import { parseRateLimitHeaders, rateLimitWaitMs, type HeaderBag, type RateLimitInfo } from './rate-limit.js';
import type { ApiEnvelope } from './types.js';

/**
 * One HTTP exchange with the API, with the retry policy in one place:
 *
 * - GET, DELETE (idempotent): retried on 5xx and network errors with capped full-jitter backoff.
 * - POST, PATCH: never retried after the request may have been sent (a repeated POST would
 *   burn one of the organisation's 5 stream slots); see createEventStream for the recovery.
 *   Failures *before* sending (connection refused, DNS) are safe to retry for every method.
 * - 429 (every method: the server refused the request, nothing happened): wait until the
 *   rate-limit reset (either header spelling, or Retry-After) if that is within
 *   `maxRateLimitWaitMs`, then retry; otherwise fail at once with the reset time in the hint.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RetryOptions {
  /** (default=4) attempts in total for idempotent requests (1 + 3 retries) */
  readonly maxAttempts?: number;
  /** (default=500) first backoff ceiling, ms */
  readonly baseMs?: number;
  /** (default=8_000) largest backoff ceiling, ms */
  readonly maxMs?: number;
  /** (default=2) how many times a 429 is waited out and retried */
  readonly maxRateLimitRetries?: number;
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly apiKey: string;
  /** extra trusted CA (PEM), added to Node's built-in roots */
  readonly ca?: string | Buffer;
  /** disable TLS verification (logged loudly) */
  readonly insecure?: boolean;
  /** (default=own undici Agent) injected for tests (MockAgent) */
  readonly dispatcher?: Dispatcher;
  /**
   * Outbound HTTP proxy, `http://[user:password@]host:port` (secret: may hold a password).
   * (default=from `env`: https_proxy, HTTPS_PROXY, http_proxy, HTTP_PROXY unless the API host
   * is in no_proxy/NO_PROXY). The API is reached through a CONNECT tunnel; TLS stays end to end.
   */
  readonly proxy?: string;
  /** (default=process.env) where the proxy variables are read when `proxy` is not set */
  readonly env?: NodeJS.ProcessEnv;
  /** (default=10_000) TCP+TLS connect timeout, ms */
  readonly connectTimeoutMs?: number;
  /** (default=30_000) time to receive the response headers, ms */
  readonly headersTimeoutMs?: number;
  /** (default=30_000) max idle time while receiving the body, ms */
  readonly bodyTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** (default=60_000) longest wait for a rate-limit reset before giving up, ms */
  readonly maxRateLimitWaitMs?: number;
  readonly logger?: Logger;
  /** (default="ampstream/<version> node/<version>") */
  readonly userAgent?: string;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => Date;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000; // 10 s
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000; // 30 s
export const DEFAULT_BODY_TIMEOUT_MS = 30_000; // 30 s
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_RETRY_BASE_MS = 500;
export const DEFAULT_RETRY_MAX_MS = 8_000; // 8 s
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 60_000; // 60 s
/** Added to a rate-limit reset time so the retry lands after the reset, ms. */
const RESET_MARGIN_MS = 250;
/** Shortest wait before retrying a 429, in ms (when the advertised reset is already past). */
const MIN_PAST_RESET_WAIT_MS = 1_000;

export interface CallOptions {
  readonly query?: URLSearchParams;
  readonly body?: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly envelope: ApiEnvelope<unknown>;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'DELETE']);

export class ApiTransport {
  readonly baseUrl: string;
  readonly origin: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #authorization: string;
  readonly #o: TransportOptions;
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  /** the proxy in use (no password), or undefined for direct connections */
  readonly proxy: string | undefined;
  #rateLimit: RateLimitInfo | undefined;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl;
    this.origin = new URL(options.baseUrl).origin;
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
    this.#retry = apiRetryPolicy(options);
    this.#authorization = `Basic ${Buffer.from(`${options.clientId}:${options.apiKey}`).toString('base64')}`;
    if (options.insecure === true) {
      this.#logger.warn(
        { api: this.origin },
        'TLS CERTIFICATE VERIFICATION IS DISABLED for the Secure Endpoint API (--insecure): anyone on the network path can read the API key and forge responses',
      );
    }
    this.#ownsDispatcher = options.dispatcher === undefined;
    const url = new URL(options.baseUrl);
    const proxy: ProxySettings | undefined =
      options.dispatcher === undefined
        ? resolveProxy({
            configured: options.proxy,
            origin: 'the proxy setting',
            host: url.hostname,
            port: Number(url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port),
            ...(options.env === undefined ? {} : { env: options.env }),
          })
        : undefined;
    this.proxy = proxy?.display;
    const connect = {
      timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      rejectUnauthorized: options.insecure !== true,
      ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca.toString()] }),
    };
    this.#dispatcher =
      options.dispatcher ??
      new Agent({ connect: proxy === undefined ? connect : proxyConnector(proxy, connect) });
    if (proxy !== undefined)
      this.#logger.debug({ api: this.origin, proxy: proxy.display }, 'API through a proxy');
  }

  /** The rate-limit headers of the last response that had any. */
  get rateLimit(): RateLimitInfo | undefined {
    return this.#rateLimit;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** `pathOrUrl` is a path below the base URL (`/v1/groups`), query included or in `query`. */
  async call(method: HttpMethod, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const qs = options.query?.toString() ?? '';
    const target = `${path}${qs === '' ? '' : (path.includes('?') ? '&' : '?') + qs}`;
    const outcome = await this.#retry.run(
      async (attempt) => {
        const started = Date.now();
        const res = await this.#send(method, target, options.body, attempt);
        this.#logger.debug(
          { method, path: target, status: res.status, ms: Date.now() - started, attempt },
          'api call',
        );
        return res;
      },
      {
        toError: (e) => {
          if (isAmpError(e)) return e;
          throw e;
        },
        next: this.#retryWait(method),
        onRetry: ({ error, attempt, delayMs }) =>
          this.#logger.warn(
            { method, path: target, code: error.code, attempt, waitMs: delayMs },
            'api call failed; retrying',
          ),
      },
    );
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  /** The wait before retrying a failed call, or undefined to give up (the policy at the top). */
  #retryWait(method: HttpMethod): (e: AmpError, attempt: number) => number | undefined {
    const maxRateLimitRetries = this.#o.retry?.maxRateLimitRetries ?? 2;
    let rateLimitRetries = 0;
    return (e, attempt) => {
      if (e.code === 'API_RATE_LIMITED') {
        const waitMs = this.#rateLimitWait(e.details.retryAt, rateLimitRetries < maxRateLimitRetries);
        if (waitMs !== undefined) rateLimitRetries++;
        return waitMs;
      }
      // a request that may have been sent is repeated only when repeating it is harmless
      return IDEMPOTENT.has(method) || e.details.maybeSent === false
        ? this.#retry.next(e, attempt)
        : undefined;
    };
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  /** ms to wait before retrying a 429, or undefined to give up now. */
  #rateLimitWait(retryAt: string | undefined, mayRetry: boolean): number | undefined {
    if (!mayRetry) return undefined;
    const cap = this.#o.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
    if (retryAt === undefined) {
      // no reset information: back off a little and try once more
      return backoffDelay(2, {
        baseMs: 1000,
        maxMs: cap,
        minMs: 1000,
        ...(this.#o.random === undefined ? {} : { random: this.#o.random }),
      });
    }
    const wait = new Date(retryAt).getTime() - this.#now().getTime() + RESET_MARGIN_MS;
    // a 429 whose reset is already past (clock skew, a window that had not rolled yet): wait a
    // little rather than spend the retries at once
    if (wait > cap) return undefined;
    return wait > RESET_MARGIN_MS ? wait : Math.min(MIN_PAST_RESET_WAIT_MS, cap);
  }

  async #send(method: HttpMethod, target: string, body: unknown, attempt: number): Promise<ApiResponse> {
    const url = `${this.baseUrl}${target}`;
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: 'application/json',
      'accept-encoding': 'gzip',
      'user-agent': this.#o.userAgent ?? `ampstream/${VERSION} node/${process.versions.node}`,
    };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let res: Dispatcher.ResponseData;
    let raw: Buffer;
    try {
      res = await request(url, {
        dispatcher: this.#dispatcher,
        method,
        headers,
        body: payload ?? null,
        headersTimeout: this.#o.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
        bodyTimeout: this.#o.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
      });
      raw = Buffer.from(await res.body.arrayBuffer());
    } catch (e) {
      throw networkError(e, { method, path: target, origin: this.origin, attempts: attempt });
    }
    const now = this.#now();
    const hdrs = res.headers as HeaderBag;
    const info = parseRateLimitHeaders(hdrs, now);
    if (info !== undefined) this.#rateLimit = info;
    let parsed: unknown;
    try {
      parsed = parseBody(decompress(raw, headerValue(hdrs, 'content-encoding')));
    } catch (e) {
      throw new AmpError(
        'API_BAD_RESPONSE',
        `${method} ${target}: the response body could not be decompressed`,
        {
          cause: e,
          details: { method, path: target, status: res.statusCode, maybeSent: true },
        },
      );
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return {
        status: res.statusCode,
        envelope: decodeEnvelope(parsed, { method, path: target, empty: raw.length === 0 }),
      };
    }
    const waitMs = res.statusCode === 429 ? rateLimitWaitMs(info, hdrs, now) : undefined;
    throw apiErrorFromResponse({
      method,
      path: target,
      status: res.statusCode,
      body: parsed,
      attempts: attempt,
      rateLimit: info,
      retryAt: waitMs === undefined ? undefined : new Date(now.getTime() + waitMs),
    });
  }
}

/** Idempotent calls: 4 attempts, 500 ms doubling to 8 s, full jitter, every retry logged. */
function apiRetryPolicy(options: TransportOptions): RetryPolicy {
  return new RetryPolicy({
    maxAttempts: options.retry?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    baseMs: options.retry?.baseMs ?? DEFAULT_RETRY_BASE_MS,
    maxMs: options.retry?.maxMs ?? DEFAULT_RETRY_MAX_MS,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name)
      return Array.isArray(v) ? (v as readonly string[])[0] : (v as string | undefined);
  }
  return undefined;
}
