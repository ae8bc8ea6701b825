/**
 * One error type for the whole project. Callers branch on `code`, never on message text.
 *
 * - `code`: stable machine code (the `ErrorCode` union below).
 * - `retryable`: true when trying the same thing again later may succeed (network, 429, 5xx,
 *   a sink that is down); false for bad input, bad credentials, a deleted stream.
 * - `hint`: what the user should do about it, one sentence.
 * - `exitCode`: the sysexits(3) code the CLI exits with when this error ends the process.
 * - `details`: structured, secret-free context (HTTP status, sink name, event id, …).
 */

/** sysexits(3): the exit codes the CLI uses (docs/architecture.md, Interfaces). */
export const ExitCode = {
  OK: 0,
  /** Any failure not classified below. */
  SOFTWARE: 1,
  /** Command-line usage error. */
  USAGE: 64,
  /** Bad input data (malformed file, bad JSON). */
  DATAERR: 65,
  /** A service is unavailable (broker or API down, sink unreachable). */
  UNAVAILABLE: 69,
  /** Temporary failure; trying again later may work (429, 5xx). */
  TEMPFAIL: 75,
  /** Permission denied (HTTP 401/403, AMQP ACCESS_REFUSED). */
  NOPERM: 77,
  /** Configuration error (bad YAML, missing secret, wrong passphrase). */
  CONFIG: 78,
  /** Interrupted by a signal (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const errorCodes = [
  // API (REST v1)
  'API_UNAUTHORIZED', // 401: unknown client id / API key
  'API_FORBIDDEN', // 403: key is read-only, or not allowed
  'API_BAD_REQUEST', // 400: validation, name taken, stream limit
  'API_NAME_TAKEN', // 400 (or pre-check): a stream with this name exists
  'API_STREAM_LIMIT', // 400 (or pre-check): the organisation already has 5 streams
  'API_NOT_FOUND', // 404 (or 400 "Event stream not found")
  'API_RATE_LIMITED', // 429
  'API_SERVER_ERROR', // 5xx
  'API_NETWORK', // connection refused, reset, DNS, TLS
  'API_TIMEOUT',
  'API_BAD_RESPONSE', // not the documented envelope
  'API_AMBIGUOUS_CREATE', // POST outcome unknown (network failure after sending)
  // outbound HTTP proxy (API and AMQPS tunnels)
  'PROXY_UNREACHABLE', // the proxy is down, unreachable or silent
  'PROXY_AUTH', // 407: the proxy wants (other) credentials
  'PROXY_REFUSED', // any other non-2xx answer to CONNECT (port not allowed, target unreachable)
  // name resolution
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_GROUP',
  'UNKNOWN_STREAM',
  // secrets
  'VAULT_BAD_PASSPHRASE',
  'VAULT_CORRUPT',
  'VAULT_NO_PASSPHRASE',
  'VAULT_LOCKED',
  'VAULT_WRITE_FAILED', // the vault file cannot be written (disk full, read-only, permissions)
  'SECRET_NOT_FOUND',
  'SECRET_REF_INVALID',
  // config
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'CREDENTIALS_MISSING',
  // AMQP source
  'AMQP_ACCESS_REFUSED',
  'AMQP_QUEUE_NOT_FOUND',
  'AMQP_CONNECTION',
  'AMQP_CHANNEL',
  'AMQP_CONSUMER_CANCELLED',
  'AMQP_TLS',
  // pipeline and sinks
  'EVENT_MALFORMED',
  'SINK_UNAVAILABLE',
  'SINK_REJECTED', // the sink refused the data for good (4xx other than 429)
  'SINK_WRITE_FAILED',
  'SINK_DISK_FULL',
  'SINK_TIMEOUT',
  'SINK_AUTH', // the sink refused our credentials (401/403, bad HEC token, pg auth): fix the config
  'SINK_CONFIG', // the sink cannot work with these settings (no such table, HEC channel/ack mismatch)
  'SINK_CLOSED', // the destination went away for good (stdout reader gone: EPIPE): stop, ack nothing more
  'DEAD_LETTER_FAILED',
  'DEAD_LETTER_BREAKER', // too large a share of recent events would be dead-lettered: hold, ack nothing
  'DEDUP_STORE',
  // replicas (src/fleet/)
  'LEASE_STORE', // the PostgreSQL lease store cannot be reached or set up
  'LEASE_LOST', // this replica no longer holds the stream's lease: it stops consuming it
  // emulator and environment
  'BROKER_UNREACHABLE',
  'EMULATOR',
  'USAGE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** One problem found in a config, with where it is (`CONFIG_INVALID`'s `details.issues`). */
export interface ConfigIssue {
  /** file name as given (or `env AMPSTREAM_X` / `flag --x` when the value came from there) */
  readonly source: string;
  readonly line?: number;
  readonly col?: number;
  /** `sinks[1].format` */
  readonly path: string;
  readonly message: string;
}

/**
 * Structured, secret-free context of an error. The fields that drive logic somewhere are
 * typed here, so no caller casts `details` back; anything else is free-form context for
 * logs and `--json` output.
 */
export interface AmpErrorDetails {
  /** HTTP status of the answer (API, emulator REST, sinks) */
  readonly status?: number;
  /** the request may have reached the server (a retry could repeat a write) */
  readonly maybeSent?: boolean;
  /** when a rate limit resets (RFC 3339) */
  readonly retryAt?: string;
  /** wait at least this long before retrying (429 Retry-After, a sink's busy answer) */
  readonly retryAfterMs?: number;
  /** attempts made before this error */
  readonly attempts?: number;
  /** `CONFIG_INVALID`: every problem found, with where it is */
  readonly issues?: readonly ConfigIssue[];
  /** human messages of an API error (`errors[].details[]`) */
  readonly messages?: readonly string[];
  /** the Node.js error code underneath (ECONNREFUSED, ENOSPC, …) */
  readonly errorCode?: string;
  /** PostgreSQL SQLSTATE */
  readonly sqlstate?: string;
  readonly [key: string]: unknown;
}

export interface AmpErrorOptions {
  readonly retryable?: boolean;
  readonly hint?: string;
  readonly cause?: unknown;
  readonly exitCode?: ExitCode;
  readonly details?: AmpErrorDetails;
}

const defaultExit: Partial<Record<ErrorCode, ExitCode>> = {
  API_UNAUTHORIZED: ExitCode.NOPERM,
  API_FORBIDDEN: ExitCode.NOPERM,
  AMQP_ACCESS_REFUSED: ExitCode.NOPERM,
  API_BAD_REQUEST: ExitCode.DATAERR,
  API_NAME_TAKEN: ExitCode.DATAERR,
  API_STREAM_LIMIT: ExitCode.DATAERR,
  API_NOT_FOUND: ExitCode.UNAVAILABLE,
  AMQP_QUEUE_NOT_FOUND: ExitCode.UNAVAILABLE,
  API_RATE_LIMITED: ExitCode.TEMPFAIL,
  API_SERVER_ERROR: ExitCode.TEMPFAIL,
  API_NETWORK: ExitCode.UNAVAILABLE,
  PROXY_UNREACHABLE: ExitCode.UNAVAILABLE,
  PROXY_AUTH: ExitCode.NOPERM,
  PROXY_REFUSED: ExitCode.UNAVAILABLE,
  API_TIMEOUT: ExitCode.TEMPFAIL,
  BROKER_UNREACHABLE: ExitCode.UNAVAILABLE,
  AMQP_CONNECTION: ExitCode.UNAVAILABLE,
  SINK_UNAVAILABLE: ExitCode.UNAVAILABLE,
  SINK_TIMEOUT: ExitCode.UNAVAILABLE,
  SINK_DISK_FULL: ExitCode.UNAVAILABLE,
  SINK_WRITE_FAILED: ExitCode.UNAVAILABLE,
  SINK_AUTH: ExitCode.NOPERM,
  SINK_CONFIG: ExitCode.CONFIG,
  DEDUP_STORE: ExitCode.CONFIG,
  LEASE_STORE: ExitCode.TEMPFAIL, // a restart (systemd, Kubernetes) tries again
  DEAD_LETTER_FAILED: ExitCode.UNAVAILABLE,
  DEAD_LETTER_BREAKER: ExitCode.UNAVAILABLE,
  EVENT_MALFORMED: ExitCode.DATAERR,
  UNKNOWN_EVENT_TYPE: ExitCode.USAGE,
  UNKNOWN_GROUP: ExitCode.USAGE,
  UNKNOWN_STREAM: ExitCode.USAGE,
  USAGE: ExitCode.USAGE,
  VAULT_BAD_PASSPHRASE: ExitCode.CONFIG,
  VAULT_CORRUPT: ExitCode.CONFIG,
  VAULT_NO_PASSPHRASE: ExitCode.CONFIG,
  VAULT_LOCKED: ExitCode.CONFIG,
  VAULT_WRITE_FAILED: ExitCode.TEMPFAIL,
  SECRET_NOT_FOUND: ExitCode.CONFIG,
  SECRET_REF_INVALID: ExitCode.CONFIG,
  CONFIG_INVALID: ExitCode.CONFIG,
  CONFIG_NOT_FOUND: ExitCode.CONFIG,
  CREDENTIALS_MISSING: ExitCode.CONFIG,
};

export class AmpError extends Error {
  override readonly name = 'AmpError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: AmpErrorDetails;

  constructor(code: ErrorCode, message: string, options: AmpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? defaultExit[code] ?? ExitCode.SOFTWARE;
    this.details = options.details ?? {};
  }

  /** A plain, secret-free object for `--json` output and structured logs. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(Object.keys(this.details).length === 0 ? {} : { details: this.details }),
    };
  }
}

export function isAmpError(e: unknown, code?: ErrorCode): e is AmpError {
  return e instanceof AmpError && (code === undefined || e.code === code);
}

/** Wrap anything thrown into an AmpError, keeping AmpErrors as they are. */
export function toAmpError(
  e: unknown,
  code: ErrorCode = 'INTERNAL',
  options: AmpErrorOptions = {},
): AmpError {
  if (e instanceof AmpError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AmpError(code, message, { ...options, cause: e });
}
