import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { isAmpError } from '../../../src/errors.js';
import { sinkFactories } from '../../../src/sinks/registry.js';
import type { SinkFactory } from '../../../src/sinks/types.js';

const factories = sinkFactories as unknown as readonly SinkFactory[];

/** The example from docs/sinks.md: every integration sink in one ampstream.yaml. */
const EXAMPLE = `streams:
  - id: 12
sinks:
  - name: siem-webhook
    type: http
    url: https://siem.example.com/ingest
    encoding: ndjson
    gzip: true
    auth: { header: Authorization, prefix: "Bearer ", secret: env:SIEM_TOKEN }
  - name: splunk
    type: splunk-hec
    url: https://splunk.example.com:8088
    token: vault:splunk-hec
    index: security
    ack: true
  - name: syslog
    type: syslog
    host: logs.example.com
    tls: { ca: /etc/ssl/certs/logs-ca.pem }
  - name: pg
    type: postgres
    connectionString: postgres://ampstream@db.example.com/security
    password: file:/run/secrets/pg
  - name: bus
    type: nats
    servers: [nats://nats-1:4222, nats://nats-2:4222]
    subject: secure-endpoint.{event_type_id}
    createStream: { name: SECURE_ENDPOINT, maxAgeMs: 864000000 }
`;

function parse(text: string) {
  return parseConfig(text, { path: 'ampstream.yaml', factories, env: {} });
}

describe('the integration sinks in ampstream.yaml', () => {
  it('are registered and parse with their defaults and default formats', () => {
    const sinks = (parse(EXAMPLE).config as unknown as { sinks: Record<string, unknown>[] }).sinks;
    expect(sinks.map((s) => [s['type'], s['format']])).toEqual([
      ['http', 'raw'],
      ['splunk-hec', 'raw'],
      ['syslog', 'cef'],
      ['postgres', 'raw'],
      ['nats', 'raw'],
    ]);
    expect(sinks[1]!['options']).toMatchObject({ sourcetype: 'cisco:amp:event', ackTimeoutMs: 60_000 });
    expect(sinks[2]!['options']).toMatchObject({
      transport: 'tls',
      framing: 'octet-counting',
      facility: 'local0',
    });
    expect(sinks[3]!['options']).toMatchObject({
      table: 'ampstream_events',
      schema: 'public',
      chunkRows: 1000,
    });
    expect(sinks[4]!['options']).toMatchObject({
      createStream: { name: 'SECURE_ENDPOINT', storage: 'file', duplicateWindowMs: 120_000 },
    });
  });

  it('refuse a plain secret where a reference is required', () => {
    const bad = EXAMPLE.replace('token: vault:splunk-hec', 'token: 0000-1111');
    let message = '';
    try {
      parse(bad);
    } catch (e) {
      if (isAmpError(e)) message = e.message;
      else throw e;
    }
    expect(message).toMatch(/sinks\[1\]\.token/);
    expect(message).not.toContain('0000-1111');
  });
});
