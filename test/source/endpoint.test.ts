import { describe, expect, it } from 'vitest';
import { amqpEndpoint } from '../../src/source/endpoint.js';

const at = (url: string) => amqpEndpoint(new URL(url));

describe('amqpEndpoint', () => {
  it("takes the scheme's port when the URL names none: 5671 for amqps, 5672 for amqp", () => {
    expect(at('amqps://u:p@export-streaming.amp.cisco.com')).toEqual({
      host: 'export-streaming.amp.cisco.com',
      port: 5671,
      tls: true,
    });
    expect(at('amqp://guest:guest@127.0.0.1')).toEqual({ host: '127.0.0.1', port: 5672, tls: false });
  });

  it('keeps the port the URL names, even the scheme default of the other scheme', () => {
    expect(at('amqps://u:p@export-streaming.amp.cisco.com:443/')).toMatchObject({ port: 443, tls: true });
    expect(at('amqp://localhost:5671')).toMatchObject({ port: 5671, tls: false });
  });

  it('gives an IPv6 literal without the brackets a socket cannot connect to', () => {
    expect(at('amqps://u:p@[::1]:5671')).toEqual({ host: '::1', port: 5671, tls: true });
    expect(at('amqp://[fe80::1]')).toEqual({ host: 'fe80::1', port: 5672, tls: false });
  });
});
