import { Agent, request } from 'undici';
import { AmpError } from '../../../errors.js';
import { errorCode, isTlsCertificateError, TLS_CERT_HINT, type LoadedTls } from '../tls.js';

/**
 * A small HTTP client for the sinks that POST (http, splunk-hec): one undici Agent (keep-alive
 * pool, reconnects by itself on the next request after a failure), a hard deadline on every
 * request, and every transport failure turned into a retryable AmpError. HTTP statuses are
 * returned as they are: what a status means is the caller's protocol knowledge.
 */

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.js';
/** (default=4_000) idle keep-alive sockets are closed after this, in ms */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;
/** (default=65_536) most bytes of a response body kept (for error details), in bytes */
const MAX_RESPONSE_BYTES = 65_536;

export interface HttpClientOptions {
  readonly sinkName: string;
  readonly tls: LoadedTls;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
}

export interface HttpRequest {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The response body as text, cut at MAX_RESPONSE_BYTES. */
  readonly text: string;
}

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #agent: Agent;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    const { ca, cert, key, servername, rejectUnauthorized } = options.tls;
    this.#agent = new Agent({
      connect: {
        timeout: options.connectTimeoutMs,
        rejectUnauthorized,
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        ...(servername === undefined ? {} : { servername }),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
  }

  /**
   * Sends one request. Resolves with any HTTP status; rejects (retryable) on transport failure,
   * at the deadline, or when `abort` fires (the pipeline is stopping).
   */
  async send(req: HttpRequest, abort?: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: this.#agent,
        signal: abort === undefined ? timeout : AbortSignal.any([timeout, abort]),
      });
      const text = await readCapped(res.body);
      return { status: res.statusCode, headers: res.headers, text };
    } catch (e) {
      throw transportError(e, this.#options.sinkName, req);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { dump(): Promise<void> }): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_RESPONSE_BYTES) parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Where a request went, without userinfo or query string (either may hold a secret). */
export function describeTarget(req: Pick<HttpRequest, 'method' | 'url'>): string {
  return `${req.method} ${req.url.protocol}//${req.url.host}${req.url.pathname}`;
}

/** Every failure that is not an HTTP response: retryable (the pipeline backs off, nothing is lost). */
function transportError(e: unknown, sinkName: string, req: HttpRequest): AmpError {
  const code = errorCode(e);
  const name = e instanceof Error || e instanceof DOMException ? e.name : undefined;
  const target = describeTarget(req);
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new AmpError('SINK_TIMEOUT', `sink "${sinkName}": ${target} timed out`, {
      retryable: true,
      cause: e,
      details: { sink: sinkName, ...(code === undefined ? {} : { errorCode: code }) },
      hint: 'the receiver is slow or unreachable; events stay in the broker until it answers',
    });
  }
  const tls = isTlsCertificateError(e);
  return new AmpError(
    'SINK_UNAVAILABLE',
    `sink "${sinkName}": ${target} failed (${code ?? name ?? 'network error'})`,
    {
      retryable: true,
      cause: e,
      details: { sink: sinkName, ...(code === undefined ? {} : { errorCode: code }) },
      hint: tls ? TLS_CERT_HINT : 'check that the receiver is up and reachable from this host',
    },
  );
}
