import { describe, expect, it } from 'vitest';
import { loadEventFixtures } from '../fixtures/events/load.js';
import { decodeEvent, describePoison, findLongIntegers, parseLossless } from '../../src/event/decode.js';

const E1 = Buffer.from(
  '{"id": 6533241145273614339, "timestamp": 1700000000, "timestamp_nanoseconds": 619000000,' +
    ' "date": "2023-11-14T22:13:20+00:00", "event_type": "Threat Detected", "event_type_id": 1090519054,' +
    ' "detection_id": "6533241145273614338", "file": {"file_name": "id 1234567890123456789.exe"},' +
    ' "nested": [9007199254740993, {"x": -9223372036854775807}]}',
);

describe('decodeEvent', () => {
  it('keeps ids above 2^53 exact, as decimal strings', () => {
    const r = decodeEvent(E1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.event.id).toBe('6533241145273614339');
    expect(r.value.event.detection_id).toBe('6533241145273614338');
    expect((r.value.event['nested'] as unknown[])[0]).toBe('9007199254740993');
    expect(((r.value.event['nested'] as unknown[])[1] as { x: string }).x).toBe('-9223372036854775807');
  });

  it('never touches digits inside strings', () => {
    const r = decodeEvent(E1);
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.event.file?.file_name).toBe('id 1234567890123456789.exe');
    expect(findLongIntegers(Buffer.from('{"a":"x\\" 1234567890123456789"}'))).toEqual([]);
    expect(findLongIntegers(Buffer.from('{"a":"1234567890123456789"}'))).toEqual([]);
  });

  it('tells escaped quotes from closing ones by the run of backslashes before them', () => {
    // "C:\\" ends after an escaped backslash, so the id after it is a value; "x\\\"…" holds an
    // escaped quote, so the digits after it are still inside the string.
    const body = String.raw`{"a":"C:\\","id":1234567890123456789,"b":"x\\\",1234567890123456789,"}`;
    const ranges = findLongIntegers(Buffer.from(body));
    expect(ranges).toHaveLength(2);
    expect(body.slice(ranges[0], ranges[1])).toBe('1234567890123456789');
    expect(parseLossless(body)).toEqual({
      a: 'C:\\',
      id: '1234567890123456789',
      b: String.raw`x\",1234567890123456789,`,
    });
  });

  it('keeps multi-byte characters around a quoted id intact', () => {
    expect(parseLossless('{"n":"é€😀","id":6533241145273614339,"m":"ü"}')).toEqual({
      n: 'é€😀',
      id: '6533241145273614339',
      m: 'ü',
    });
  });

  it('finds nothing after an unterminated string', () => {
    expect(findLongIntegers(Buffer.from('{"a":"x\\", "b":1234567890123456789'))).toEqual([]);
  });

  it('keeps the original bytes for the raw format', () => {
    const r = decodeEvent(E1);
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.raw).toBe(E1);
  });

  it('turns short numeric ids into strings too', () => {
    const r = decodeEvent(
      Buffer.from('{"id":14930696955218,"timestamp":1,"event_type_id":2,"event_type":"x"}'),
    );
    expect(r.ok && r.value.event.id).toBe('14930696955218');
  });

  it.each([
    ['not json', Buffer.from('hello'), 'not-json'],
    ['an array', Buffer.from('[1,2]'), 'not-an-object'],
    ['invalid utf-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'not-utf8'],
    ['a fractional id', Buffer.from('{"id":1.5,"timestamp":1,"event_type_id":2}'), 'bad-field'],
    ['no event_type_id', Buffer.from('{"id":1,"timestamp":1}'), 'missing-field'],
    ['a string timestamp', Buffer.from('{"id":1,"timestamp":"x","event_type_id":2}'), 'bad-field'],
  ])('rejects %s as poison with a reason', (_name, body, kind) => {
    const r = decodeEvent(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason.kind).toBe(kind);
    expect(describePoison(r.reason).length).toBeGreaterThan(5);
  });

  it('accepts an event without id (some kinds come without one): no id field, not poison', () => {
    for (const body of ['{"timestamp":1,"event_type_id":2}', '{"id":null,"timestamp":1,"event_type_id":2}']) {
      const r = decodeEvent(Buffer.from(body));
      expect(r.ok).toBe(true);
      expect(r.ok && 'id' in r.value.event).toBe(false);
    }
  });

  it('rejects a long integer with a leading zero as JSON.parse does, instead of quoting it into a string', () => {
    const r = decodeEvent(Buffer.from('{"id":-0332481452736144291,"timestamp":1,"event_type_id":2}'));
    expect(r.ok ? 'accepted' : r.reason.kind).toBe('not-json');
    expect(findLongIntegers(Buffer.from('[01234567890123456789]'))).toEqual([]);
  });

  it('parses plain JSON without long integers unchanged', () => {
    expect(parseLossless('{"a":[1,2.5,"3"],"b":null}')).toEqual({ a: [1, 2.5, '3'], b: null });
  });
});

/**
 * The lossless rule written differently from src/event/decode.ts: one regular expression over
 * the text that skips every string token and quotes each 16+ digit integer standing as a value.
 */
const ORACLE = /"(?:[^"\\]|\\.)*"|(?<=[:[,]\s*)-?[1-9]\d{15,}(?=\s*[,\]}])/g;
function oracle(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text.replace(ORACLE, (m) => (m.startsWith('"') ? m : `"${m}"`))));
  } catch {
    return 'not-json';
  }
}

describe('lossless parse against a regex oracle: duplicate keys, escaped keys, mutated events', () => {
  const bodies = [
    '{"id":6533241145273614339,"timestamp":1,"event_type_id":2}',
    '{"a":1,"id":6533241145273614339,"b":{"id":6533241145273614341}}',
    '{"id":6533241145273614339,"id":6533241145273614341}',
    '{"id":6533241145273614339,"id":6.533241145273614e18}',
    '{"id":6533241145273614339,"id":6533241145273614339.0}',
    '{"id":6533241145273614339,"x":{"y":1.5},"id":6533241145273614341}',
    '{"id":6533241145273614339,"id":"x"}',
    '{"id":6533241145273614339,"id":[6533241145273614341]}',
    '{"\\u0069d":6533241145273614339,"id":6533241145273614341}',
    '{"id":6533241145273614339,"\\u0069d":6.533241145273614e18}',
    '{"id":6533241145273614339,"\\u0069d":6533241145273614341}',
    '{"__proto__":6533241145273614339}',
    '{"é":6533241145273614339,"ü":-6533241145273614339}',
    '{"a":6533241145273614339,"b":6533241145273614341,"a":1}',
    '{"constructor":6533241145273614339,"toString":6533241145273614341}',
    '{ "id" : 6533241145273614339 , "n" : [ 6533241145273614341 ] }',
    '[6533241145273614339]',
    '{"id":6533241145273614339,}',
    '{"id":6533241145273614339 6}',
  ];

  it('gives the same objects and verdicts as quoting every literal', () => {
    for (const text of bodies) {
      const want = oracle(text);
      const got = parseOrNot(text);
      expect(got, text).toBe(want);
    }
  });

  it('gives the same objects and verdicts as quoting on 10,000 mutated events', () => {
    let a = 99;
    const rand = (): number => {
      a = (a * 1103515245 + 12345) % 2147483648;
      return a / 2147483648;
    };
    const pieces = [
      ',',
      ':',
      '"',
      '}',
      ']',
      '1.5',
      'e3',
      '6533241145273614341',
      '"id":',
      '{"id":7}',
      '\\u0069',
    ];
    const texts = loadEventFixtures().map((f) => f.compact);
    for (let k = 0; k < 10_000; k++) {
      let text = texts[k % texts.length] as string;
      const at = Math.floor(rand() * text.length);
      const piece = pieces[Math.floor(rand() * pieces.length)] as string;
      text =
        rand() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      expect(parseOrNot(text), text).toBe(oracle(text));
    }
  });
});

function parseOrNot(text: string): string {
  try {
    return JSON.stringify(parseLossless(text));
  } catch {
    return 'not-json';
  }
}
