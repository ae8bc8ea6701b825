import pg from 'pg';
import { AmpError, type ErrorCode } from '../../errors.js';
import { errorCode, isTlsCertificateError, TLS_CERT_HINT } from '../shared/tls.js';

/**
 * PostgreSQL failures → the delivery contract, by SQLSTATE (PostgreSQL docs, Appendix A):
 *
 *   57014 query_canceled (statement_timeout)           SINK_TIMEOUT      retryable
 *   08xxx connection exception, 57P01 admin_shutdown,
 *   57P02 crash_shutdown, 57P03 cannot_connect_now,
 *   53xxx insufficient resources, 40xxx rollback
 *   (serialization, deadlock), 55P03 lock_not_available,
 *   58xxx system error, XX internal, 25P02              SINK_UNAVAILABLE  retryable
 *   42P01 undefined_table (dropped under us)           SINK_UNAVAILABLE  retryable (migrations run again)
 *   28xxx invalid authorization, 42501 privilege        SINK_AUTH         not retryable
 *   3D000 no such database, 3F000 no such schema,
 *   other 42xxx (syntax or access rule)                SINK_CONFIG       not retryable
 *   22xxx data exception (e.g. 22P02 invalid input,
 *   22P05 \u0000 in jsonb), 23xxx integrity            SINK_REJECTED     not retryable (dead-letter)
 *   anything else from the server                      SINK_UNAVAILABLE  retryable
 * Errors that are not from the server (refused, reset, "Connection terminated unexpectedly",
 * client-side timeouts) are all retryable: the pool opens a new connection next time.
 */

interface Rule {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly hint: string;
}

const RETRY: Rule = {
  code: 'SINK_UNAVAILABLE',
  retryable: true,
  hint: 'PostgreSQL is unavailable or busy; the batch is retried',
};

function ruleFor(sqlstate: string): Rule {
  const cls = sqlstate.slice(0, 2);
  if (sqlstate === '57014')
    return {
      code: 'SINK_TIMEOUT',
      retryable: true,
      hint: 'the INSERT exceeded statementTimeoutMs (locks or a slow server); the batch is retried',
    };
  if (sqlstate === '42P01')
    return { ...RETRY, hint: 'the events table is missing; it is created again before the retry' };
  if (cls === '28' || sqlstate === '42501')
    return {
      code: 'SINK_AUTH',
      retryable: false,
      hint: 'check the user, its password secret and its privileges on the schema and table',
    };
  if (sqlstate === '3D000' || sqlstate === '3F000' || cls === '42')
    return { code: 'SINK_CONFIG', retryable: false, hint: 'check database, schema and table settings' };
  if (cls === '22' || cls === '23')
    return {
      code: 'SINK_REJECTED',
      retryable: false,
      hint: 'PostgreSQL refused a record of this batch; it goes to the dead-letter file',
    };
  return RETRY;
}

export function classifyPgError(e: unknown, sinkName: string, step: string): AmpError {
  if (e instanceof AmpError) return e;
  if (e instanceof pg.DatabaseError && typeof e.code === 'string') {
    const rule = ruleFor(e.code);
    return new AmpError(rule.code, `sink "${sinkName}": ${step} failed: ${e.message} (SQLSTATE ${e.code})`, {
      retryable: rule.retryable,
      hint: rule.hint,
      cause: e,
      details: { sink: sinkName, sqlstate: e.code },
    });
  }
  const code = errorCode(e);
  return new AmpError(
    'SINK_UNAVAILABLE',
    `sink "${sinkName}": ${step} failed (${code ?? 'connection error'})`,
    {
      retryable: true,
      cause: e,
      details: { sink: sinkName, ...(code === undefined ? {} : { errorCode: code }) },
      hint: isTlsCertificateError(e)
        ? TLS_CERT_HINT
        : 'check that PostgreSQL is up and reachable; the batch is retried',
    },
  );
}

/** SQLSTATE 42P01: the table is gone; run migrations again before the next write. */
export function isUndefinedTable(e: AmpError): boolean {
  return e.details.sqlstate === '42P01';
}
