import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { checkBody, decodeBody, findLongIntegers, LazyDecodedEvent } from '../../src/pipeline/decode.js';
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

describe('pipeline decoder', () => {
  it('gives the same result as decodeEvent for realistic generated events', () => {
    const src = createEventSource(3);
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const body = src.body(i);
      const ref = decodeEvent(body);
      const want = JSON.stringify(ref);
      if (JSON.stringify(decodeBody(body)) !== want) expect.fail(`decodeBody differs on event ${i}`);
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
      const fast = decodeBody(body);
      expect(fast.ok, text).toBe(ref.ok);
      if (ref.ok) expect(fast, text).toEqual(ref);
      else expect(fast.ok === false && fast.reason.kind, text).toBe(ref.ok === false && ref.reason.kind);
      const check = checkBody(body);
      expect(check.ok, text).toBe(ref.ok);
      if (!ref.ok && !check.ok) expect(check.reason.kind, text).toBe(ref.reason.kind);
    }
    expect(decodeBody(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: { kind: 'not-utf8' } });
  });

  it('keeps ids above 2^53 exact and leaves digits inside strings alone', () => {
    const r = decodeBody(Buffer.from(tricky[13]!));
    expect(r.ok && r.value.event.id).toBe('6533241145273614339');
    expect(r.ok && r.value.event['s']).toBe('a "quoted" :1234567890123456789, digits');
    expect(r.ok && r.value.event['n']).toEqual(['1234567890123456789', 2]);
    expect(findLongIntegers(Buffer.from('{"a":"1234567890123456789"}'))).toEqual([]);
  });
});
