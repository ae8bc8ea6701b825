import { AmpError } from '../../../errors.js';
import type { HttpResponse } from './client.js';

/**
 * What an HTTP status means for the delivery contract (docs/architecture.md, Delivery contract):
 *   2xx                 durable: the batch may be acked
 *   429, 5xx, 408       retryable (SINK_UNAVAILABLE): the pipeline holds the batch and retries;
 *                       a `Retry-After` header is passed on as `details.retryAfterMs`
 *   400, 409, 413, 422  SINK_REJECTED, not retryable: the receiver refuses this data; the
 *                       pipeline splits the batch and dead-letters only single events refused
 *   401, 403, 407       SINK_AUTH, not retryable: the credentials are wrong; every batch would fail
 *   other 4xx (404, 405, 410, 415…), 1xx, 3xx (no redirects are followed)
 *                       SINK_CONFIG, not retryable: the request itself is wrong (URL, method,
 *                       content type); every batch would fail
 * SINK_AUTH and SINK_CONFIG hold the stream (nothing acked, nothing dead-lettered, /healthz
 * 503) until the receiver or the config is fixed.
 */

/** The statuses that can be about the data of a batch rather than the request. */
const DATA_STATUSES = new Set([400, 409, 413, 422]);

/** (default=512) most characters of a response body copied into error details */
const BODY_SNIPPET_CHARS = 512;

export interface StatusContext {
  readonly sinkName: string;
  /** e.g. "POST https://siem.example.com/ingest" (no userinfo, no query) */
  readonly target: string;
  /** (default=Date.now) wall clock in ms, for HTTP-date Retry-After values */
  readonly now?: () => number;
}

export function classifyHttpStatus(res: HttpResponse, ctx: StatusContext): AmpError | undefined {
  const { status } = res;
  if (status >= 200 && status < 300) return undefined;
  const details = {
    sink: ctx.sinkName,
    status,
    ...retryAfterDetail(res, ctx.now ?? Date.now),
    ...(res.text === '' ? {} : { body: res.text.slice(0, BODY_SNIPPET_CHARS) }),
  };
  const message = `sink "${ctx.sinkName}": ${ctx.target} answered HTTP ${status}`;
  if (status === 429 || status === 408 || status >= 500) {
    return new AmpError('SINK_UNAVAILABLE', message, {
      retryable: true,
      details,
      hint:
        status === 429
          ? 'the receiver is rate limiting; the batch is retried later'
          : 'the receiver is failing; the batch is retried later',
    });
  }
  if (status === 401 || status === 403 || status === 407) {
    return new AmpError('SINK_AUTH', message, {
      retryable: false,
      details,
      hint: 'check the auth secret this sink resolves (auth.secret) and its permissions at the receiver',
    });
  }
  if (DATA_STATUSES.has(status)) {
    return new AmpError('SINK_REJECTED', message, {
      retryable: false,
      details,
      hint: 'the receiver refused this data; events it refuses on their own go to the dead-letter file',
    });
  }
  return new AmpError('SINK_CONFIG', message, {
    retryable: false,
    details,
    hint:
      status >= 400
        ? 'the receiver refuses every request like this one: check the URL and method of this sink; the events stay in the queue'
        : 'check the URL (redirects are not followed); the events stay in the queue',
  });
}

function retryAfterDetail(res: HttpResponse, now: () => number): { retryAfterMs?: number } {
  const raw = res.headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return {};
  const ms = parseRetryAfter(value, now());
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/**
 * RFC 9110 §10.2.3:
 *
 *     Retry-After = HTTP-date / delay-seconds
 *     delay-seconds = 1*DIGIT
 *
 * Returns the wait in ms (never negative), or undefined when the value is neither form.
 */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
