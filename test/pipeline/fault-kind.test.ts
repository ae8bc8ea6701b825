import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AmpError } from '../../src/errors.js';
import { faultKind } from '../../src/pipeline/route-writer.js';
import { classifyHttpStatus } from '../../src/sinks/shared/http/classify.js';
import { classifyPgError } from '../../src/sinks/postgres/classify.js';
import { classifyHecResponse, parseHecBody } from '../../src/sinks/splunk-hec/classify.js';

/**
 * The same delivery rule for every sink: what each sink's classifier makes of a whole-request
 * refusal holds the stream (`refused`), and only data refusals may become dead letters
 * (`event`, after the batch is split down to single events).
 */
const ctx = { sinkName: 's', target: 'POST https://receiver/ingest' };
const http = (status: number): AmpError => classifyHttpStatus({ status, headers: {}, text: '' }, ctx)!;
const hec = (status: number, code: number): AmpError => {
  const text = JSON.stringify({ text: 'x', code });
  return classifyHecResponse({ status, headers: {}, text }, parseHecBody(text), ctx)!;
};
const pgError = (sqlstate: string): AmpError => {
  const e = new pg.DatabaseError('refused', 0, 'error');
  e.code = sqlstate;
  return classifyPgError(e, 's', 'insert');
};

describe('delivery policy: how each sink failure counts', () => {
  it.each([
    ['http 404 (mistyped URL)', http(404)],
    ['http 405 (wrong method)', http(405)],
    ['http 401', http(401)],
    ['http 403', http(403)],
    ['http 407', http(407)],
    ['http 301 (redirects are not followed)', http(301)],
    ['splunk token refused (code 4)', hec(403, 4)],
    ['splunk token disabled (code 1)', hec(403, 1)],
    ['splunk index not allowed (code 7)', hec(400, 7)],
    ['postgres role refused (28P01)', pgError('28P01')],
    ['postgres permission denied (42501)', pgError('42501')],
    ['postgres no such database (3D000)', pgError('3D000')],
    [
      'a DNS failure',
      new AmpError('SINK_UNAVAILABLE', 'x', { retryable: true, details: { errorCode: 'ENOTFOUND' } }),
    ],
    [
      'a TLS certificate refusal',
      new AmpError('SINK_UNAVAILABLE', 'x', {
        retryable: true,
        details: { errorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      }),
    ],
    ['a NATS authorization error', new AmpError('SINK_AUTH', 'not authorized', { retryable: false })],
  ])('%s holds the stream (refused), never dead letters', (_what, err) => {
    expect(faultKind(err)).toBe('refused');
  });

  it.each([
    ['http 400', http(400)],
    ['http 413', http(413)],
    ['http 422', http(422)],
    ['splunk invalid data format (code 6)', hec(400, 6)],
    ['postgres invalid data (22P05)', pgError('22P05')],
  ])('%s may be about the data: split until single events are proven bad', (_what, err) => {
    expect(faultKind(err)).toBe('event');
  });

  it.each([
    ['http 503', http(503)],
    ['http 429', http(429)],
    [
      'a connection refused',
      new AmpError('SINK_UNAVAILABLE', 'x', { retryable: true, details: { errorCode: 'ECONNREFUSED' } }),
    ],
  ])('%s is a sink that is down: hold and retry', (_what, err) => {
    expect(faultKind(err)).toBe('unavailable');
  });
});
