import { AmpError, type ErrorCode } from '../../errors.js';
import { classifyHttpStatus, type StatusContext } from '../shared/http/classify.js';
import type { HttpResponse } from '../shared/http/client.js';

/**
 * HEC answers `{"text": "...", "code": N}` (plus `ackId`, `invalid-event-number`). Splunk's
 * status codes and what they mean for the delivery contract:
 *
 *   0  Success (200)                          durable (or: wait for the ack when ack is on)
 *   1  Token disabled (403)                   SINK_AUTH    not retryable
 *   2  Token is required (401)                SINK_AUTH    not retryable
 *   3  Invalid authorization (401)            SINK_AUTH    not retryable
 *   4  Invalid token (403)                    SINK_AUTH    not retryable
 *   5  No data (400)                          SINK_REJECTED
 *   6  Invalid data format (400)              SINK_REJECTED (dead-letter the batch)
 *   7  Incorrect index (400)                  SINK_CONFIG  (hint: the token's allowed indexes)
 *   8  Internal server error (500)            retryable
 *   9  Server is busy (503)                   retryable
 *   10 Data channel is missing (400)          SINK_CONFIG  the token has ack on: set ack: true
 *   11 Invalid data channel (400)             SINK_CONFIG
 *   12 Event field is required (400)          SINK_REJECTED
 *   13 Event field cannot be blank (400)      SINK_REJECTED
 *   14 ACK is disabled (400)                  SINK_CONFIG  set ack: false, or enable it on the token
 *   15 Error in handling indexed fields (400) SINK_REJECTED
 *   16 Query string authorization is not enabled  SINK_AUTH
 *   18-20 HEC is unhealthy (503)              retryable
 * Anything else falls back to the plain HTTP rules (429/5xx retryable, 4xx rejected).
 */

export interface HecBody {
  readonly code?: number;
  readonly text?: string;
  readonly ackId?: number;
  readonly invalidEventNumber?: number;
}

export function parseHecBody(text: string): HecBody {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) return {};
    return {
      ...(typeof v['code'] === 'number' ? { code: v['code'] } : {}),
      ...(typeof v['text'] === 'string' ? { text: v['text'] } : {}),
      ...(typeof v['ackId'] === 'number' ? { ackId: v['ackId'] } : {}),
      ...(typeof v['invalid-event-number'] === 'number'
        ? { invalidEventNumber: v['invalid-event-number'] }
        : {}),
    };
  } catch {
    return {};
  }
}

interface Rule {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly hint: string;
}

const TOKEN_HINT = 'check that the token secret resolves to a valid, enabled HEC token';
const RULES: Readonly<Record<number, Rule>> = {
  1: {
    code: 'SINK_AUTH',
    retryable: false,
    hint: 'the HEC token is disabled: enable it in Splunk (Settings > Data inputs > HTTP Event Collector)',
  },
  2: { code: 'SINK_AUTH', retryable: false, hint: TOKEN_HINT },
  3: { code: 'SINK_AUTH', retryable: false, hint: TOKEN_HINT },
  4: { code: 'SINK_AUTH', retryable: false, hint: 'Splunk does not know this token: ' + TOKEN_HINT },
  5: { code: 'SINK_REJECTED', retryable: false, hint: 'Splunk received no data' },
  6: {
    code: 'SINK_REJECTED',
    retryable: false,
    hint: 'Splunk refused an event as invalid; the batch goes to the dead-letter file',
  },
  7: {
    code: 'SINK_CONFIG',
    retryable: false,
    hint: "the token may not write to this index: add it to the token's allowed indexes or change `index`",
  },
  8: {
    code: 'SINK_UNAVAILABLE',
    retryable: true,
    hint: 'Splunk had an internal error; the batch is retried',
  },
  9: {
    code: 'SINK_UNAVAILABLE',
    retryable: true,
    hint: 'Splunk is busy (queues full); the batch is retried',
  },
  10: {
    code: 'SINK_CONFIG',
    retryable: false,
    hint: 'the token has indexer acknowledgement on: set `ack: true` on this sink',
  },
  11: { code: 'SINK_CONFIG', retryable: false, hint: '`channel` must be a GUID' },
  12: { code: 'SINK_REJECTED', retryable: false, hint: 'an event had no `event` field' },
  13: { code: 'SINK_REJECTED', retryable: false, hint: 'an event had a blank `event` field' },
  14: {
    code: 'SINK_CONFIG',
    retryable: false,
    hint: 'indexer acknowledgement is off for this token: set `ack: false` or enable it on the token',
  },
  15: { code: 'SINK_REJECTED', retryable: false, hint: 'Splunk could not handle the indexed fields' },
  16: { code: 'SINK_AUTH', retryable: false, hint: TOKEN_HINT },
  18: {
    code: 'SINK_UNAVAILABLE',
    retryable: true,
    hint: 'HEC is unhealthy (queues full); the batch is retried',
  },
  19: {
    code: 'SINK_UNAVAILABLE',
    retryable: true,
    hint: 'HEC is unhealthy (ack service unavailable); the batch is retried',
  },
  20: { code: 'SINK_UNAVAILABLE', retryable: true, hint: 'HEC is unhealthy; the batch is retried' },
};

/** undefined = success; otherwise the AmpError to reject the write with. */
export function classifyHecResponse(
  res: HttpResponse,
  body: HecBody,
  ctx: StatusContext,
): AmpError | undefined {
  const ok = res.status >= 200 && res.status < 300;
  if (ok && (body.code === undefined || body.code === 0)) return undefined;
  const rule = body.code === undefined ? undefined : RULES[body.code];
  const base = classifyHttpStatus(ok ? { ...res, status: 500 } : res, ctx);
  if (rule === undefined) return base;
  return new AmpError(
    rule.code,
    `sink "${ctx.sinkName}": Splunk HEC answered code ${body.code} (${body.text ?? 'no text'}), HTTP ${res.status}`,
    {
      retryable: rule.retryable,
      hint: rule.hint,
      details: {
        ...(base?.details ?? {}),
        status: res.status,
        hecCode: body.code,
        ...(body.invalidEventNumber === undefined ? {} : { invalidEventNumber: body.invalidEventNumber }),
      },
    },
  );
}
