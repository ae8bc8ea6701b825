import { describe, expect, it } from 'vitest';
import { amqpTargetFromCredentials, amqpUrlFromCredentials } from '../../src/api/amqp-credentials.js';
import { isAmpError } from '../../src/errors.js';

const creds = {
  user_name: '2051-4be7a0c1d2e3f4a5b6c7',
  password: '9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d',
  queue_name: 'event_stream_2051',
  host: 'export-streaming.amp.cisco.com',
  port: '443',
  proto: 'https',
};

describe('amqpUrlFromCredentials', () => {
  it('maps proto "https" to an amqps URL on the string port', () => {
    expect(amqpUrlFromCredentials(creds)).toBe(
      'amqps://2051-4be7a0c1d2e3f4a5b6c7:9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d@export-streaming.amp.cisco.com:443',
    );
  });

  it('treats every TLS-like or unknown proto as amqps and only amqp/http as plain', () => {
    for (const proto of ['HTTPS', 'amqps', 'tls', 'ssl', 'weird']) {
      expect(amqpUrlFromCredentials({ ...creds, proto })).toMatch(/^amqps:\/\//);
    }
    expect(amqpUrlFromCredentials({ ...creds, proto: 'amqp', port: '5672' })).toMatch(/^amqp:\/\/.*:5672$/);
    expect(amqpUrlFromCredentials({ ...creds, proto: 'http', port: '' })).toMatch(/:5672$/);
  });

  it('URL-encodes the user and the password', () => {
    const url = amqpUrlFromCredentials({ ...creds, user_name: 'a b@c', password: 'p:w/d@%' });
    expect(url).toBe('amqps://a%20b%40c:p%3Aw%2Fd%40%25@export-streaming.amp.cisco.com:443');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe('p:w/d@%');
  });

  it('gives a redacted URL and the queue for logs and consumers', () => {
    const t = amqpTargetFromCredentials({ ...creds, host: '::1', port: '5671' });
    expect(t.redactedUrl).toBe('amqps://2051-4be7a0c1d2e3f4a5b6c7:***@[::1]:5671');
    expect(t).toMatchObject({ queue: 'event_stream_2051', port: 5671, tls: true, host: '::1' });
  });

  it('refuses credentials without a password with a delete-and-recreate hint', () => {
    const { password: _omit, ...withoutPassword } = creds;
    for (const c of [withoutPassword, { ...creds, password: null }, { ...creds, password: '' }]) {
      try {
        amqpUrlFromCredentials(c);
        throw new Error('expected an error');
      } catch (e) {
        expect(isAmpError(e, 'CREDENTIALS_MISSING')).toBe(true);
        expect((e as { hint: string }).hint).toContain('delete the stream');
      }
    }
  });

  it('rejects a port that is not a TCP port', () => {
    expect(() => amqpUrlFromCredentials({ ...creds, port: '99999' })).toThrow(/not a TCP port/);
  });
});
