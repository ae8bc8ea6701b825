import { JetStreamApiError } from '@nats-io/jetstream';
import { errors, RequestError } from '@nats-io/transport-node';
import { AmpError } from '../../errors.js';
import { errorCode, isTlsCertificateError, TLS_CERT_HINT } from '../shared/tls.js';

/**
 * NATS / JetStream failures → the delivery contract:
 *   TimeoutError (no PubAck in time)                          SINK_TIMEOUT      retryable
 *   JetStreamNotEnabled (no responders: no stream on subject) SINK_UNAVAILABLE  retryable
 *   connection refused / closed / draining, other API errors  SINK_UNAVAILABLE  retryable
 *   AuthorizationError, PermissionViolationError              SINK_AUTH         not retryable
 *   JetStream 10054 (message larger than the stream allows),
 *   payload above the server's max_payload                     SINK_REJECTED     not retryable
 */

/** JSStreamMessageExceedsMaximumErr: "message size exceeds maximum allowed" */
const JS_MESSAGE_TOO_LARGE = 10054;

export function classifyNatsError(e: unknown, sinkName: string, step: string): AmpError {
  if (e instanceof AmpError) return e;
  const base = { cause: e, details: { sink: sinkName, ...detailsOf(e) } };
  if (e instanceof errors.TimeoutError) {
    return new AmpError('SINK_TIMEOUT', `sink "${sinkName}": ${step}: no answer from JetStream in time`, {
      ...base,
      retryable: true,
      hint: 'the NATS server is slow, restarting or unreachable; the batch is retried (msgID dedups repeats)',
    });
  }
  if (isNoResponders(e)) {
    return new AmpError(
      'SINK_UNAVAILABLE',
      `sink "${sinkName}": ${step}: no JetStream stream answers on this subject`,
      {
        ...base,
        retryable: true,
        hint: 'create a stream covering the subject (or set createStream), and check JetStream is enabled',
      },
    );
  }
  if (e instanceof errors.AuthorizationError || e instanceof errors.PermissionViolationError) {
    return new AmpError('SINK_AUTH', `sink "${sinkName}": ${step}: not authorized`, {
      ...base,
      retryable: false,
      hint: 'check the NATS user/password or token secret and its publish permissions',
    });
  }
  const tooLarge =
    (e instanceof JetStreamApiError && e.code === JS_MESSAGE_TOO_LARGE) ||
    e instanceof errors.InvalidArgumentError;
  if (tooLarge) {
    return new AmpError('SINK_REJECTED', `sink "${sinkName}": ${step}: message refused as too large`, {
      ...base,
      retryable: false,
      hint: 'raise the stream max_msg_size / server max_payload, or use a smaller format',
    });
  }
  const code = errorCode(e);
  return new AmpError(
    'SINK_UNAVAILABLE',
    `sink "${sinkName}": ${step} failed (${code ?? (e instanceof Error ? e.name : 'error')})`,
    {
      ...base,
      retryable: true,
      hint: isTlsCertificateError(e)
        ? TLS_CERT_HINT
        : 'check that the NATS server is up and JetStream is enabled; the batch is retried',
    },
  );
}

function detailsOf(e: unknown): Record<string, unknown> {
  if (e instanceof JetStreamApiError) return { jsErrCode: e.code, status: e.status };
  const code = errorCode(e);
  return code === undefined ? {} : { errorCode: code };
}

/**
 * A publish nobody answers: the JetStream client wraps the core RequestError (no responders)
 * in a "jetstream is not enabled" error that the package does not export; its public cause
 * says what happened.
 */
function isNoResponders(e: unknown): boolean {
  if (e instanceof RequestError) return e.isNoResponders();
  const cause = e instanceof Error ? e.cause : undefined;
  return cause instanceof RequestError && cause.isNoResponders();
}
