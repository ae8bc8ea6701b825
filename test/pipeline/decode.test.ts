import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { checkBody, LazyDecodedEvent } from '../../src/pipeline/decode.js';
import { createEventSource } from '../../bench/events.js';

const tricky = [
  '{"id":6533241145273614339,"timestamp":1700000000,"event_type_id":1090519054}',
  '{"id": 6533241145273614339 ,"timestamp":1700000000,"event_type_id":1}',
  '{"id":-6533241145273614339,"timestamp":1,"event_type_id":1}',
  '{"id":"6533241145273614339","timestamp":1,"event_type_id":1}',
  '{"id":12,"timestamp":1,"event_type_id":1,"event_type":"x","date":"d"}',
  '{"id":1e20,"timestamp":1,"event_type_id":1}',
  '{"id":6533241145273614339.5,"timestamp":1,"event_type_id":1}',
  '{"id":65332411452736143391,"timestamp":1,"event_type_id":1}',
  '{"id":1,"timestamp":1234567890123456789,"event_type_id":1}',
  '{"id":1,"timestamp":1,"event_type_id":"1"}',
  '{"id":1,"timestamp":1}',
  '{"id":true,"timestamp":1,"event_type_id":1}',
  '{"x":{"id":6533241145273614339},"id":6533241145273614341,"timestamp":1,"event_type_id":1}',
  '{"id":6533241145273614339,"timestamp":1,"event_type_id":1,"s":"a \\"quoted\\" :1234567890123456789, digits","n":[1234567890123456789,2]}',
  '{"id":6533241145273614339,"timestamp":1,"event_type_id":1,"k":"\\\\","m":1234567890123456789}',
  '{"id":1,"timestamp":1,"event_type_id":1,"u":"é ü 中文 1234567890123456789"}',
  '{\n  "id": 6533241145273614339,\n  "timestamp": 1,\n  "event_type_id": 1\n}',
  '[1,2]',
  '"str"',
  'null',
  'not json',
  '{"id":1,',
  '',
];

/**
 * An independent oracle for the lossless rule, written differently from the byte scanner in
 * src/event/decode.ts: one regular expression over the text that matches every string token
 * (to skip it) or an integer of 16+ digits standing as a value, and quotes the latter.
 */
const ORACLE = /"(?:[^"\\]|\\.)*"|(?<=[:[,]\s*)-?\d{16,}(?=\s*[,\]}])/g;
function oracleParse(text: string): unknown {
  return JSON.parse(text.replace(ORACLE, (m) => (m.startsWith('"') ? m : `"${m}"`)));
}

describe('lossless decoding (decodeEvent) against an independent oracle', () => {
  it('parses generated events and tricky bodies exactly like the regex oracle', () => {
    const src = createEventSource(5);
    const bodies = [...Array.from({ length: 1000 }, (_, i) => src.body(i).toString()), ...tricky];
    for (const text of bodies) {
      let want: unknown;
      try {
        want = oracleParse(text);
      } catch {
        want = 'syntax error';
      }
      const r = decodeEvent(Buffer.from(text));
      if (r.ok) expect(JSON.stringify(r.value.event), text).toBe(JSON.stringify(normalised(want)));
      else if (want === 'syntax error') expect(r.reason.kind, text).toBe('not-json');
    }
  });
});

/** What decodeEvent adds to a valid parsed event: a string id, event_type and date defaults. */
function normalised(v: unknown): unknown {
  const o = { ...(v as Record<string, unknown>) };
  if (typeof o['id'] === 'number') o['id'] = String(o['id']);
  if (typeof o['event_type'] !== 'string') o['event_type'] = '';
  if (typeof o['date'] !== 'string') o['date'] = new Date((o['timestamp'] as number) * 1000).toISOString();
  return o;
}

describe('pipeline fast path (checkBody, LazyDecodedEvent)', () => {
  it('gives the same result as decodeEvent for realistic generated events', () => {
    const src = createEventSource(3);
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const body = src.body(i);
      const ref = decodeEvent(body);
      const check = checkBody(body);
      if (!ref.ok || !check.ok || check.timestamp !== ref.value.event.timestamp)
        expect.fail(`checkBody differs on event ${i}`);
      if (JSON.stringify(new LazyDecodedEvent(body).event) !== JSON.stringify(ref.value.event))
        expect.fail(`lazy event differs on ${i}`);
      compared++;
    }
    expect(compared).toBe(2000);
  });

  it('gives the same verdict and poison reason as decodeEvent on tricky and broken bodies', () => {
    for (const text of tricky) {
      const body = Buffer.from(text);
      const ref = decodeEvent(body);
      const check = checkBody(body);
      expect(check.ok, text).toBe(ref.ok);
      if (!ref.ok && !check.ok) expect(check.reason.kind, text).toBe(ref.reason.kind);
    }
    expect(checkBody(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: { kind: 'not-utf8' } });
  });

  it('keeps ids above 2^53 exact and leaves digits inside strings alone', () => {
    const r = decodeEvent(Buffer.from(tricky[13]!));
    expect(r.ok && r.value.event.id).toBe('6533241145273614339');
    expect(r.ok && r.value.event['s']).toBe('a "quoted" :1234567890123456789, digits');
    expect(r.ok && r.value.event['n']).toEqual(['1234567890123456789', 2]);
    expect(new LazyDecodedEvent(Buffer.from(tricky[13]!)).event.id).toBe('6533241145273614339');
  });
});
