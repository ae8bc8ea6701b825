import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { convertStream } from '../../src/cli/commands/convert.js';
import { EventGenerator } from '../../src/emulator/generator/generator.js';
import { decodeEvent } from '../../src/event/decode.js';
import { derivedKey, eventKey, isDerivedKey } from '../../src/event/key.js';
import { getFormat } from '../../src/formats/index.js';
import { formatNames } from '../../src/formats/types.js';
import { postgresOptionsSchema } from '../../src/sinks/postgres/config.js';
import { PostgresSink } from '../../src/sinks/postgres/sink.js';
import { createSecretResolver } from '../../src/secrets/refs.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { PG } from '../helpers/services.js';
import { eventBody, waitFor } from './broker.js';
import { harness, type Harness } from './harness.js';

/**
 * Secure Endpoint sends some kinds without `id` (SecureX threat hunting incidents, severity
 * Critical). They are delivered like any other event, keyed by the SHA-256 of their bytes.
 */

const INCIDENT = 1107296344;

/** A SecureX threat hunting incident as Secure Endpoint sends it: no `id`. */
function incident(n = 1): Buffer {
  const e = JSON.parse(
    readFileSync(
      new URL('../fixtures/events/e12-securex-threat-hunting-incident.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
  delete e['id'];
  e['timestamp'] = (e['timestamp'] as number) + n;
  return Buffer.from(JSON.stringify(e), 'utf8');
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('events without id', () => {
  it('the emulator generator emits threat hunting incidents without id (severity Critical), other kinds with one', () => {
    const g = new EventGenerator({ seed: 1, apiUrl: 'https://x', incidentsWithoutId: true });
    const events = Array.from({ length: 400 }, () => g.next());
    const incidents = events.filter((e) => e.eventTypeId === INCIDENT);
    expect(incidents.length).toBeGreaterThan(0);
    for (const e of incidents) {
      expect(JSON.parse(e.json)).not.toHaveProperty('id');
      expect(e.event.severity).toBe('Critical');
    }
    for (const e of events.filter((x) => x.eventTypeId !== INCIDENT)) expect(e.event.id).toMatch(/^\d+$/);
  });

  it('decodes, and gets a stable key from its bytes that no Cisco id can equal', () => {
    const raw = incident();
    const r = decodeEvent(raw);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const key = eventKey(r.value);
    expect(key).toBe(derivedKey(Buffer.from(raw))); // same bytes, same key
    expect(BigInt(key) >= 2n ** 64n).toBe(true);
    expect(key.length).toBeLessThanOrEqual(20); // fits postgres numeric(20,0)
    expect(isDerivedKey(key)).toBe(true);
    expect(isDerivedKey('6533241145273614339')).toBe(false);
    expect(derivedKey(incident(2))).not.toBe(key);
  });

  it('renders in every format', () => {
    const r = decodeEvent(incident());
    if (!r.ok) throw new Error('not decoded');
    for (const name of formatNames) {
      const out = getFormat(name).render(r.value).toString();
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toContain('\n');
    }
  });

  it('is written and acked by run, not dead-lettered; with dedup on, a redelivered copy is dropped by its key', async () => {
    const raw = incident();
    h = await harness({ pipeline: (dir) => ({ dedup: { path: join(dir, 'dedup.sqlite') } }) });
    await h.q.publish([raw, eventBody(1).body, raw]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 3, 'all acked');
    expect(h.deadLetters()).toEqual([]);
    expect(h.pipeline.stats()).toMatchObject({ duplicates: 1, deadLettered: 0 });
    expect(h.pipeline.stats().routes[0]!.written).toBe(2);
  });

  it('convert converts it (exit 0), in every format', async () => {
    for (const format of formatNames) {
      const input = new PassThrough();
      const output = new PassThrough();
      const errors = new PassThrough();
      input.end(incident().toString('utf8') + '\n');
      const out: Buffer[] = [];
      output.on('data', (c: Buffer) => out.push(c));
      const result = await convertStream({ input, output, errors, format, pretty: false });
      expect(result).toMatchObject({ converted: 1, bad: 0 });
    }
  });

  it('is stored once in postgres under its derived key, however often it is written', async () => {
    const schema = `ampstream_t_${randomBytes(5).toString('hex')}`;
    const s = new PostgresSink(postgresOptionsSchema.parse({ type: 'postgres', ...PG, schema }), {
      name: 'pg',
      format: getFormat('raw'),
      logger: silentLogger,
      resolveSecret: createSecretResolver({ env: {} }),
    });
    const admin = new pg.Client(PG);
    await admin.connect();
    try {
      await s.start();
      const r = decodeEvent(incident());
      if (!r.ok) throw new Error('not decoded');
      const record = { event: r.value, payload: r.value.raw };
      await s.write([record]);
      await s.write([record]);
      const rows = await admin.query<{ id: string }>(
        `SELECT event_id::text AS id FROM "${schema}".ampstream_events`,
      );
      expect(rows.rows).toEqual([{ id: eventKey(r.value) }]);
    } finally {
      await s.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
