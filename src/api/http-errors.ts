import { AmpError, isAmpError, type ErrorCode } from '../errors.js';
import type { RateLimitInfo } from './rate-limit.js';

/**
 * Turning API failures into AmpErrors (docs/secure-endpoint-api.md §1.4):
 *
 *   { "version": "v0.1.0", "data": {},
 *     "errors": [ { "error_code": 401, "description": "Unauthorized",
 *                   "details": ["Unknown API key or Client ID"] } ] }
 *
 * The human message is in `details` (Cisco's own scripts read `errors[0].details[0]`), so the
 * details are surfaced in the message, and each status gets a hint saying what to do. Texts
 * Cisco sends are classified here, once, at the boundary: callers branch on the code.
 */

export interface ApiErrorContext {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** the parsed body, if it was JSON */
  readonly body: unknown;
  readonly attempts: number;
  readonly rateLimit?: RateLimitInfo | undefined;
  /** for 429: when the limit resets, if known */
  readonly retryAt?: Date | undefined;
}

/** `errors[].details[]` (and `description` when there are no details), as plain strings. */
export function errorDetails(body: unknown): { description?: string; details: string[] } {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return { details: [] };
  const details: string[] = [];
  let description: string | undefined;
  for (const e of errors as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const d = (e as { details?: unknown; description?: unknown }).details;
    const desc = (e as { description?: unknown }).description;
    if (description === undefined && typeof desc === 'string') description = desc;
    if (Array.isArray(d)) {
      for (const x of d as unknown[]) {
        if (typeof x === 'string' || typeof x === 'number') details.push(String(x));
      }
    } else if (typeof d === 'string') {
      details.push(d);
    }
  }
  return description === undefined ? { details } : { description, details };
}

const STREAM_NOT_FOUND = /event stream not found/i;
const NAME_TAKEN = /\bname\b.*\b(taken|exists|already|unique|duplicate)/i;
const STREAM_LIMIT = /\b(limit|maximum|too many|at most|exceed)/i;

const HINTS = {
  unauthorized:
    'check the client id and API key (and the region: nam, eu or apjc), or generate a new key in the Secure Endpoint console › Accounts › API Credentials',
  forbidden:
    'this API key is read-only; creating, updating or deleting event streams needs a "Read & Write" key (console › Accounts › API Credentials)',
  nameTaken: 'pick another name: stream names must be unique in the organisation',
  limit:
    'delete a stream first (`ampstream streams delete <id>`): an organisation may have at most 5 event streams',
  streamNotFound:
    'the stream was deleted or never existed; list the current ones with `ampstream streams list`',
  notFound: 'check the id or GUID',
  badRequest: 'the API rejected the request as shown; fix the values and try again',
  server: 'the Secure Endpoint API had an internal problem; try again in a few minutes',
} as const;

function classify400(text: string): { code: ErrorCode; hint: string } {
  if (STREAM_NOT_FOUND.test(text)) return { code: 'API_NOT_FOUND', hint: HINTS.streamNotFound };
  if (NAME_TAKEN.test(text)) return { code: 'API_NAME_TAKEN', hint: HINTS.nameTaken };
  if (/stream/i.test(text) && STREAM_LIMIT.test(text)) return { code: 'API_STREAM_LIMIT', hint: HINTS.limit };
  return { code: 'API_BAD_REQUEST', hint: HINTS.badRequest };
}

export function describeWhen(at: Date, now: Date = new Date()): string {
  const secs = Math.max(0, Math.round((at.getTime() - now.getTime()) / 1000));
  const span = secs >= 60 ? `${Math.floor(secs / 60)} min ${secs % 60} s` : `${secs} s`;
  return `${at.toISOString()} (in ${span})`;
}

export function apiErrorFromResponse(ctx: ApiErrorContext): AmpError {
  const { description, details } = errorDetails(ctx.body);
  const text = details.join('; ');
  const reason = [description, text].filter((s) => s !== undefined && s !== '').join(': ');
  const message = `${ctx.method} ${ctx.path} → HTTP ${ctx.status}${reason === '' ? '' : ` ${reason}`}`;
  const base = {
    status: ctx.status,
    method: ctx.method,
    path: ctx.path,
    attempts: ctx.attempts,
    apiDetails: details,
  };
  const make = (code: ErrorCode, hint: string, retryable = false): AmpError =>
    new AmpError(code, message, { hint, retryable, details: base });

  const s = ctx.status;
  if (s === 401) return make('API_UNAUTHORIZED', HINTS.unauthorized);
  if (s === 403) return make('API_FORBIDDEN', HINTS.forbidden);
  if (s === 404) {
    const streamPath = /\/event_streams\/\d+/.test(ctx.path) || STREAM_NOT_FOUND.test(text);
    return make('API_NOT_FOUND', streamPath ? HINTS.streamNotFound : HINTS.notFound);
  }
  if (s === 429) {
    const until = ctx.retryAt ?? ctx.rateLimit?.resetAt;
    const hint =
      until === undefined
        ? 'rate limited: the API allows a limited number of requests per hour; wait and try again'
        : `rate limited until ${describeWhen(until)}; the API allows a limited number of requests per hour`;
    return new AmpError('API_RATE_LIMITED', message, {
      hint,
      retryable: true,
      details: { ...base, ...(until === undefined ? {} : { retryAt: until.toISOString() }) },
    });
  }
  if (s >= 500) return make('API_SERVER_ERROR', HINTS.server, true);
  if (s === 400) {
    const c = classify400(text === '' ? (description ?? '') : text);
    return make(c.code, c.hint);
  }
  return make('API_BAD_REQUEST', HINTS.badRequest);
}

/**
 * Network-level failure classification (undici / Node error codes). `maybeSent`: the request
 * may have reached the server, so a non-idempotent request (POST) must not be repeated blindly.
 */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const TLS = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

export function errorCodeOf(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function networkError(
  e: unknown,
  ctx: { method: string; path: string; origin: string; attempts: number },
): AmpError {
  const where = `${ctx.method} ${ctx.path} at ${ctx.origin}`;
  const proxyError = proxyErrorIn(e);
  if (proxyError !== undefined) {
    // the tunnel failed: nothing reached the API, so every method may be retried
    return new AmpError(proxyError.code, `${where}: ${proxyError.message}`, {
      cause: proxyError,
      retryable: proxyError.retryable,
      exitCode: proxyError.exitCode,
      ...(proxyError.hint === undefined ? {} : { hint: proxyError.hint }),
      details: {
        ...proxyError.details,
        method: ctx.method,
        path: ctx.path,
        attempts: ctx.attempts,
        maybeSent: false,
      },
    });
  }
  const code = errorCodeOf(e) ?? 'UNKNOWN';
  const details = { method: ctx.method, path: ctx.path, attempts: ctx.attempts, errno: code };
  if (TLS.test(code)) {
    return new AmpError('API_NETWORK', `TLS verification failed for ${ctx.origin} (${code})`, {
      cause: e,
      details: { ...details, maybeSent: false },
      hint: 'if this is a private cloud or the emulator, trust its CA with --ca FILE (or AMPSTREAM_CA); --insecure disables verification (not recommended)',
    });
  }
  const maybeSent = !NOT_SENT.has(code);
  if (TIMEOUTS.has(code)) {
    return new AmpError('API_TIMEOUT', `${where} timed out (${code})`, {
      cause: e,
      retryable: true,
      details: { ...details, maybeSent },
      hint: 'the API did not answer in time; check connectivity (proxy, firewall) and try again',
    });
  }
  return new AmpError('API_NETWORK', `${where} failed: ${code}`, {
    cause: e,
    retryable: true,
    details: { ...details, maybeSent },
    hint: `check that ${ctx.origin} is reachable from here (DNS, proxy, firewall: HTTPS on 443)`,
  });
}

/** A PROXY_* AmpError from the CONNECT tunnel, as thrown or as the cause of undici's error. */
function proxyErrorIn(e: unknown): AmpError | undefined {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (isAmpError(cur) && cur.code.startsWith('PROXY_')) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
