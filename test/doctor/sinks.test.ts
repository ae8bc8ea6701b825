import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SinkConfig } from '../../src/config/types.js';
import { defaultNetProbes } from '../../src/doctor/net.js';
import { checkSink } from '../../src/doctor/sinks.js';
import { createSecretResolver } from '../../src/secrets/refs.js';
import { NATS_URL, PG } from '../helpers/services.js';
import { freePort } from '../sinks/http/support/net.js';

/** The sink probes against the real PostgreSQL and NATS of the test machine, and closed ports. */
const dir = mkdtempSync(join(tmpdir(), 'ampstream-doctor-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { resolveSecret: createSecretResolver({ env: {} }), net: defaultNetProbes, timeoutMs: 3000 };
const sink = (type: string, options: Record<string, unknown>): SinkConfig => ({
  name: 'x',
  type,
  format: 'raw',
  options: { type, ...options },
});

describe('sink probes', () => {
  it('logs in to PostgreSQL and checks it may create or insert into the table, writing nothing', async () => {
    const r = await checkSink(
      sink('postgres', { ...PG, schema: 'public', table: `doctor_${Date.now()}` }),
      deps,
    );
    expect(r.map((x) => [x.check, x.status])).toEqual([
      ['authenticated', 'ok'],
      ['writable', 'ok'],
    ]);
    expect(r[1]?.evidence).toContain('does not exist yet');
  });

  it('fails PostgreSQL and syslog sinks that nobody listens for, naming the address', async () => {
    const port = await freePort();
    const pg = await checkSink(sink('postgres', { ...PG, port }), deps);
    expect(pg[0]).toMatchObject({ check: 'reachable', status: 'fail', code: 'SINK_UNAVAILABLE' });
    expect(pg[0]?.evidence).toContain('ECONNREFUSED');
    const syslog = await checkSink(sink('syslog', { host: '127.0.0.1', port, transport: 'tcp' }), deps);
    expect(syslog[0]).toMatchObject({ status: 'fail' });
    expect(syslog[0]?.evidence).toContain(`127.0.0.1:${port}`);
  });

  it('connects to NATS', async () => {
    const r = await checkSink(sink('nats', { servers: NATS_URL }), deps);
    expect(r[0]).toMatchObject({ check: 'reachable', status: 'ok' });
  });

  it('fails a file sink whose directory is not a directory', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    const r = await checkSink(sink('file', { path: join(file, 'events.jsonl') }), deps);
    expect(r[0]).toMatchObject({ check: 'writable', status: 'fail' });
    expect(r[0]?.evidence).toContain('ENOTDIR');
  });
});
