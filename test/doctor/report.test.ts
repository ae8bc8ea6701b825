import { describe, expect, it } from 'vitest';
import { clockSkew } from '../../src/doctor/clock.js';
import { buildReport, exitCodeOf, formatReport } from '../../src/doctor/report.js';
import { eventTimeOf } from '../../src/doctor/amqp-probe.js';
import { fail, ok, skip, warnResult } from '../../src/doctor/types.js';

describe('doctor report', () => {
  it('exits 0 when every line is OK or skipped, 1 with a warning, 2 with a failure', () => {
    expect(exitCodeOf([ok('a', 'x', 'fine'), skip('a', 'y', 'n/a')])).toBe(0);
    expect(exitCodeOf([ok('a', 'x', 'fine'), warnResult('a', 'y', 'hmm', 'do this')])).toBe(1);
    expect(exitCodeOf([warnResult('a', 'y', 'hmm', 'do this'), fail('a', 'z', 'broken', 'fix it')])).toBe(2);
  });

  it('groups lines by section and prints the fix under warnings and failures only', () => {
    const text = formatReport(
      buildReport([
        ok('api', 'dns', 'resolves'),
        fail('api', 'credentials', 'HTTP 401', 'log in again'),
        warnResult('vault', 'file', 'mode 0644', 'chmod 600'),
      ]),
    );
    expect(text).toBe(
      [
        'api',
        '  OK    dns          resolves',
        '  FAIL  credentials  HTTP 401',
        '                     fix: log in again',
        '',
        'vault',
        '  WARN  file         mode 0644',
        '                     fix: chmod 600',
        '',
        '1 ok, 1 warning(s), 1 failure(s)',
        '',
      ].join('\n'),
    );
  });
});

describe('clock skew against the Date header', () => {
  const sent = Date.parse('2026-01-01T10:00:00.000Z');
  it('treats up to the round trip plus the header resolution as no skew', () => {
    expect(clockSkew('Thu, 01 Jan 2026 10:00:00 GMT', sent, sent + 200)).toEqual({
      skewSeconds: 0,
      status: 'ok',
    });
  });
  it('warns beyond 30 s and fails beyond 5 minutes, with the sign saying which side is ahead', () => {
    expect(clockSkew('Thu, 01 Jan 2026 09:59:00 GMT', sent, sent + 100)).toMatchObject({ status: 'warn' });
    const behind = clockSkew('Thu, 01 Jan 2026 10:10:00 GMT', sent, sent + 100);
    expect(behind?.status).toBe('fail');
    expect(behind?.skewSeconds).toBeLessThan(-500);
  });
  it('says nothing for a Date header it cannot parse', () => {
    expect(clockSkew('yesterday', sent, sent)).toBeUndefined();
  });
});

describe('event time of a peeked message', () => {
  it('reads `timestamp` (seconds), else `date`, else gives up', () => {
    expect(eventTimeOf('{"timestamp":1700000000,"date":"2000-01-01T00:00:00Z"}')).toBe(1_700_000_000_000);
    expect(eventTimeOf('{"date":"2026-01-01T00:00:00+00:00"}')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(eventTimeOf('not json')).toBeUndefined();
  });
});
