import { AmpError, ExitCode } from '../errors.js';
import { redactUrls } from '../telemetry/redact.js';

/**
 * Turn what the AMQP client and the socket report into AmpErrors, once, at the boundary.
 *
 * @cloudamqp/amqp-client reports broker closes only as text: "connection closed: <TEXT> (<code>)"
 * or "channel <n> closed: <TEXT> (<code>)" where <code> is the AMQP 0-9-1 reply code. So this
 * is the one place that reads a message: it extracts the numeric reply code from the end
 * (the code, not the wording, decides). Socket errors keep their errno / OpenSSL `code`,
 * which we capture from the socket itself.
 *
 * AMQP 0-9-1 reply codes (spec §1.2 "Constants"):
 *   320 CONNECTION_FORCED   broker shutdown / `rabbitmqctl close_connection`: reconnect
 *   403 ACCESS_REFUSED      bad credentials (at login), or no permission on the queue: fatal
 *   404 NOT_FOUND           passive declare of a queue that does not exist: the stream is gone
 *   405 RESOURCE_LOCKED     exclusive queue used by another connection: reconnect
 *   406 PRECONDITION_FAILED e.g. unknown delivery tag: channel error, reconnect
 *   530 NOT_ALLOWED         vhost access refused: fatal, like 403
 */
export const REPLY_CONNECTION_FORCED = 320;
export const REPLY_ACCESS_REFUSED = 403;
export const REPLY_NOT_FOUND = 404;
export const REPLY_NOT_ALLOWED = 530;

/** OpenSSL verification codes that mean "this certificate is not trusted / not for this host". */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const REPLY_CODE_AT_END = /\((\d{3})\)\s*$/;

export function replyCodeOf(e: unknown): number | undefined {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const m = REPLY_CODE_AT_END.exec(text);
  return m === null ? undefined : Number(m[1]);
}

export interface ClassifyContext {
  readonly queue: string;
  readonly host: string;
  /** The socket-level error seen during this attempt (errno or OpenSSL code), if any. */
  readonly socketError?: NodeJS.ErrnoException | undefined;
  readonly step: string;
}

/** Classify a failure of one connect/consume attempt or of a live connection. */
export function classifyAmqpError(e: unknown, ctx: ClassifyContext): AmpError {
  if (e instanceof AmpError) return e;
  const message = redactUrls(e instanceof Error ? e.message : String(e));
  const details = { queue: ctx.queue, host: ctx.host, step: ctx.step };
  const reply = replyCodeOf(e);
  if (reply === REPLY_ACCESS_REFUSED || reply === REPLY_NOT_ALLOWED) {
    return new AmpError('AMQP_ACCESS_REFUSED', `the broker refused access while ${ctx.step}: ${message}`, {
      retryable: false,
      cause: e,
      details: { ...details, replyCode: reply },
      hint: 'the stream credentials are wrong, or the stream was deleted (its user goes with it): check with `ampstream streams list`',
    });
  }
  if (reply === REPLY_NOT_FOUND) {
    return new AmpError(
      'AMQP_QUEUE_NOT_FOUND',
      `queue "${ctx.queue}" does not exist: the event stream was deleted`,
      {
        retryable: false,
        cause: e,
        details: { ...details, replyCode: reply },
        hint: 'list the streams with `ampstream streams list`; create a new one and update the config',
      },
    );
  }
  const sockCode = ctx.socketError?.code;
  if (sockCode !== undefined && TLS_VERIFY_CODES.has(sockCode)) {
    return new AmpError('AMQP_TLS', `TLS verification of ${ctx.host} failed (${sockCode})`, {
      retryable: false,
      exitCode: ExitCode.CONFIG,
      cause: e,
      details: { ...details, tlsCode: sockCode },
      hint: 'trust the broker CA with `ca:` (PEM), check `servername`; `insecure: true` disables verification (not for production)',
    });
  }
  if (reply !== undefined) {
    return new AmpError(
      ctx.step.startsWith('channel') ? 'AMQP_CHANNEL' : 'AMQP_CONNECTION',
      `${ctx.step}: ${message}`,
      {
        retryable: true,
        cause: e,
        details: { ...details, replyCode: reply },
      },
    );
  }
  return new AmpError(
    'AMQP_CONNECTION',
    `${ctx.step}: ${message}${sockCode === undefined ? '' : ` (${sockCode})`}`,
    {
      retryable: true,
      cause: e,
      details: sockCode === undefined ? details : { ...details, errno: sockCode },
      hint: `is the broker reachable at ${ctx.host}? retrying with backoff`,
    },
  );
}
