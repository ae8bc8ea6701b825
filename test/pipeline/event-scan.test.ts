import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { checkBody } from '../../src/pipeline/decode.js';
import { scanEvent } from '../../src/pipeline/event-scan.js';
import { createRng } from '../../src/emulator/generator/random.js';
import { createEventSource } from '../../bench/events.js';
import { emulatorEventSet } from '../../bench/emulator-events.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

/** What `checkBody` asks the scanner: defined only for UTF-8 (its precondition). */
function scan(body: Buffer): number | undefined {
  return isUtf8(body) ? scanEvent(body) : undefined;
}

/** Does JSON.parse accept the text? */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The emulator's seeded generator (mulberry32), so every run mutates the same way. */
const prng = (seed: number): (() => number) => {
  const rng = createRng(seed);
  return () => rng.next();
};

/** `count` bodies, each one of `bodies` mutated 1..maxRounds times, all held to decodeEvent's verdict. */
function mutatedVerdicts(
  bodies: readonly string[],
  count: number,
  o: { seed: number; maxRounds: number },
): void {
  const rand = prng(o.seed);
  for (let k = 0; k < count; k++) {
    let text = bodies[k % bodies.length] as string;
    const rounds = 1 + Math.floor(rand() * o.maxRounds);
    for (let r = 0; r < rounds; r++) text = mutate(text, rand);
    expectSameVerdict(text);
  }
}

/** Pieces that hit the grammar's edges when inserted or substituted anywhere in a body. */
const PIECES = [
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '0',
  '1',
  '-',
  '+',
  '.',
  'e',
  'E',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u000b',
  '\u000c',
  '\u00a0',
  '\ufeff',
  'é',
  '😀',
  't',
  'f',
  'n',
  'true',
  'null',
  '\\u',
  '\\ud800',
  '\\uDFFF',
  '\\x',
  '\\/',
  '\\"',
  '1e5',
  '-0',
  '01',
  '.5',
  '1.',
  'Infinity',
  'NaN',
  '0x1',
];

/** A mutated copy of `text`: a deletion, insertion, substitution, truncation or repeated slice. */
function mutate(text: string, rand: () => number): string {
  const at = Math.floor(rand() * (text.length + 1));
  const piece = PIECES[Math.floor(rand() * PIECES.length)] as string;
  switch (Math.floor(rand() * 5)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + piece + text.slice(at);
    case 2:
      return text.slice(0, at) + piece + text.slice(at + piece.length);
    case 3:
      return text.slice(0, at);
    default: {
      const len = Math.floor(rand() * 20);
      return text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
    }
  }
}

/**
 * The scanner's contract: when it answers, decodeEvent accepts the body with that timestamp;
 * and it answers for every body decodeEvent accepts whose top-level keys are written without
 * escapes (the bodies of this test), so its grammar is JSON.parse's exactly.
 */
function expectSameVerdict(text: string): void {
  const body = Buffer.from(text);
  const got = scan(body);
  const ref = decodeEvent(body);
  if (got !== undefined) {
    if (!ref.ok)
      expect.fail(
        `scanner accepted a body decodeEvent rejects (${ref.reason.kind}): ${JSON.stringify(text)}`,
      );
    if (!Object.is(got, ref.value.event.timestamp)) expect.fail(`timestamp differs: ${JSON.stringify(text)}`);
  } else if (ref.ok)
    expect.fail(`scanner is not sure of an event decodeEvent accepts: ${JSON.stringify(text)}`);
  const check = checkBody(body);
  expect(check).toEqual(ref.ok ? { ok: true, timestamp: ref.value.event.timestamp } : ref);
}

const fixtures = loadEventFixtures().map((f) => f.compact);
const generated = (() => {
  const src = createEventSource(7);
  const emu = emulatorEventSet(2).open();
  return [
    ...Array.from({ length: 50 }, (_, i) => src.body(i).toString()),
    ...Array.from({ length: 50 }, () => emu.next().body.toString()),
  ];
})();

/** A value of a field that no rule reads, so only the grammar decides. */
const wrap = (value: string): string => `{"id":1,"timestamp":2,"event_type_id":3,"x":${value}}`;

describe('validating event scanner (scanEvent) against JSON.parse and decodeEvent', () => {
  it('accepts every fixture, generated and emulator event with decodeEvent’s timestamp', () => {
    for (const text of [...fixtures, ...generated]) {
      expect(scan(Buffer.from(text)), text.slice(0, 80)).toBeTypeOf('number');
      expectSameVerdict(text);
    }
    for (const f of loadEventFixtures()) expectSameVerdict(f.text); // pretty-printed
  });

  it('gives JSON.parse’s verdict on 40,000 mutated events', () => {
    mutatedVerdicts([...fixtures, ...generated], 40_000, { seed: 12, maxRounds: 3 });
  });

  it('gives JSON.parse’s verdict on 20,000 mutated small bodies', () => {
    const seeds = [
      wrap('[1,"a\\n\\u00e9",{"b":null,"c":[true,false,-1.5e3,0]}]'),
      '{"timestamp":1.7e9,"event_type_id":-3,"id":"-12","x":{"id":[]},"y":"\\ud800"}',
      '{ "id" : 6533241145273614339 , "timestamp" : 17 , "event_type_id" : 1 }',
    ];
    mutatedVerdicts(seeds, 20_000, { seed: 34, maxRounds: 2 });
  });

  it('gives JSON.parse’s verdict on every truncation of an event', () => {
    const text = fixtures[0] as string;
    for (let at = 0; at <= text.length; at++) expectSameVerdict(text.slice(0, at));
  });

  it('accepts and rejects values exactly as JSON.parse does', () => {
    const values = [
      // strings: escapes, control characters, surrogates (JSON.parse accepts lone ones)
      '"a"',
      '""',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"\\u0041\\u00e9\\uD83D\\uDE00"',
      '"\\ud800"',
      '"\\uDFFF x"',
      '"\\u12"',
      '"\\u12g4"',
      '"\\x41"',
      '"\\U0041"',
      '"\\a"',
      '"\\\'"',
      '"\\0"',
      '"a\\"',
      '"\\',
      '"',
      '"tab\there"',
      '"nl\nhere"',
      '"nul\u0000"',
      '"del\u007f"',
      '"é中😀"',
      '"\u2028\u2029"',
      // numbers
      '0',
      '-0',
      '1',
      '-1',
      '10',
      '01',
      '-01',
      '00',
      '1.5',
      '1.',
      '.5',
      '-.5',
      '1e5',
      '1E+5',
      '1e-5',
      '1e',
      '1e+',
      '1E-',
      '+1',
      '-',
      '--1',
      '1.5e3.2',
      '0x10',
      '1_000',
      'Infinity',
      '-Infinity',
      'NaN',
      '123456789012345678901234567890',
      '1e400',
      '-1e-400',
      '0.000001',
      '1.0e+0001',
      // literals
      'true',
      'false',
      'null',
      'tru',
      'nul',
      'fals',
      'True',
      'NULL',
      'truex',
      'nulll',
      'undefined',
      // containers and whitespace
      '[]',
      '{}',
      '[ ]',
      '{ }',
      '[1,]',
      '[,1]',
      '[1,,2]',
      '[1 2]',
      '{"a":1,}',
      '{,"a":1}',
      '{"a" 1}',
      '{"a":}',
      '{a:1}',
      "{'a':1}",
      '{"a":1 "b":2}',
      '[[[]]]',
      '[{"a":[{"b":{}}]}]',
      '{"a":1}}',
      '[1]]',
      ' \t\n\r[ 1 , 2 ]\r\n\t ',
      '\u000b1',
      '\u000c1',
      '\u00a01',
      '\ufeff1',
      '[1]\u0000',
      '{"":""}',
    ];
    for (const v of values) {
      const text = wrap(v);
      expect(scan(Buffer.from(text)) !== undefined, text).toBe(parses(text));
      expectSameVerdict(text);
    }
  });

  it('rejects a byte-order mark, trailing text and non-JSON whitespace around the event', () => {
    const e = fixtures[0] as string;
    for (const text of [
      `\ufeff${e}`,
      `${e}x`,
      `${e},`,
      `${e}${e}`,
      `\u00a0${e}`,
      `\u000c${e}`,
      `${e}\u0000`,
    ]) {
      expect(scan(Buffer.from(text))).toBeUndefined();
      expectSameVerdict(text);
    }
    for (const text of [` ${e}`, `\r\n${e}\n`, `\t${e} \t `]) {
      expect(scan(Buffer.from(text))).toBeTypeOf('number');
      expectSameVerdict(text);
    }
  });

  it('reads the fields of the top-level object only, the last of duplicate keys winning', () => {
    const cases: [string, number | undefined][] = [
      ['{"id":1,"timestamp":5,"event_type_id":3,"timestamp":7}', 7],
      ['{"timestamp":"x","id":1,"event_type_id":3,"timestamp":7}', 7],
      ['{"timestamp":7,"id":1,"event_type_id":3,"timestamp":"x"}', undefined],
      ['{"id":1.5,"id":6533241145273614339,"timestamp":1,"event_type_id":3}', 1],
      ['{"id":6533241145273614339,"id":1.5,"timestamp":1,"event_type_id":3}', undefined],
      ['{"id":1,"timestamp":1,"event_type_id":3,"id":null}', 1],
      ['{"id":null,"timestamp":1,"event_type_id":3,"id":true}', undefined],
      ['{"x":{"id":true,"timestamp":"y"},"timestamp":4,"event_type_id":3}', 4],
      ['{"x":[{"id":1.5}],"id":"12","timestamp":4,"event_type_id":3}', 4],
      ['{"x":{"timestamp":4,"event_type_id":3},"id":1}', undefined],
      ['{"id":"-12","timestamp":4,"event_type_id":3}', 4],
      ['{"id":"","timestamp":4,"event_type_id":3}', undefined],
      ['{"id":"1 2","timestamp":4,"event_type_id":3}', undefined],
      ['{"id":"12","timestamp":4,"event_type_id":1234567890123456}', undefined],
      ['{"id":"12","timestamp":4,"event_type_id":1.5}', 4],
      ['{"id":"12","timestamp":4,"event_type_id":-1e300}', 4],
      ['{"id":"12","timestamp":8640000000000,"event_type_id":1}', 8640000000000],
      ['{"id":"12","timestamp":8640000000000.5,"event_type_id":1}', undefined],
      ['{"id":"12","timestamp":-8.64e12,"event_type_id":1}', -8.64e12],
      ['{"id":"12","timestamp":1.7e9,"event_type_id":1}', 1.7e9],
      ['{"id":"12","timestamp":-0,"event_type_id":1}', -0],
      ['{"id":"12","timestamp":1700000000.123456789,"event_type_id":1}', Number('1700000000.123456789')],
      ['{"id":"12","timestamp":1234567890123456,"event_type_id":1}', undefined],
      ['{"id":1e3,"timestamp":1,"event_type_id":1}', 1],
      ['{"id":-0,"timestamp":1,"event_type_id":1}', 1],
      ['{"id":9007199254740992,"timestamp":1,"event_type_id":1}', 1],
      ['{"id":900719925474099,"timestamp":1,"event_type_id":1}', 1],
      ['{"id":1e20,"timestamp":1,"event_type_id":1}', undefined],
      ['{"id":-6533241145273614339,"timestamp":1,"event_type_id":1}', 1],
      ['{"id":6533241145273614339.0,"timestamp":1,"event_type_id":1}', undefined],
      ['{"id":[],"timestamp":1,"event_type_id":1}', undefined],
      ['{"id":{},"timestamp":1,"event_type_id":1}', undefined],
      ['{"timestamp":{},"event_type_id":1}', undefined],
      ['{"timestamp":1,"event_type_id":[1]}', undefined],
      ['{"timestamp":1,"event_type_id":null}', undefined],
      ['{"timestamp":1}', undefined],
      ['{"event_type_id":1}', undefined],
      ['{"Timestamp":1,"event_type_id":1}', undefined],
      ['[{"id":1,"timestamp":1,"event_type_id":1}]', undefined],
      ['"{}"', undefined],
    ];
    for (const [text, want] of cases) {
      expect(scan(Buffer.from(text)), text).toBe(want);
      expectSameVerdict(text);
    }
  });

  it('reads top-level keys written with escapes as JSON.parse does', () => {
    const cases: [string, number | undefined][] = [
      ['{"\\u0069d":1.5,"timestamp":1,"event_type_id":1}', undefined],
      ['{"id":1,"time\\u0073tamp":2,"event_type_id":1}', 2],
      ['{"a\\"b":1,"id":1,"timestamp":3,"event_type_id":1}', 3],
      ['{"id":1,"timestamp":3,"event_type_id":1,"\\u0074imestamp":"x"}', undefined],
    ];
    for (const [text, want] of cases) {
      expect(scan(Buffer.from(text)), text).toBe(want);
      expectSameVerdict(text);
    }
    expect(checkBody(Buffer.from(cases[0]![0]))).toMatchObject({
      ok: false,
      reason: { kind: 'bad-field', field: 'id' },
    });
  });

  it('holds the nesting limit: 64 levels are an event, 65 are too deep', () => {
    const nest = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
    expect(scan(Buffer.from(wrap(nest(63))))).toBe(2);
    expect(scan(Buffer.from(wrap(nest(64))))).toBeUndefined();
    expect(checkBody(Buffer.from(wrap(nest(64))))).toEqual({
      ok: false,
      reason: { kind: 'too-deep', limit: 64 },
    });
    expectSameVerdict(wrap(`[${'{"a":'.repeat(62)}1${'}'.repeat(62)}]`));
    expectSameVerdict(wrap(`[${'{"a":'.repeat(63)}1${'}'.repeat(63)}]`));
  });

  it('keeps not-json reasons with JSON.parse’s message', () => {
    const r = checkBody(Buffer.from('{"id":1,"timestamp":1,"event_type_id":1,"x":"\\x"}'));
    expect(r.ok).toBe(false);
    if (!r.ok && r.reason.kind === 'not-json') expect(r.reason.message).toMatch(/JSON/);
    else expect.fail('expected not-json');
  });
});
