import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { getFormat } from '../../src/formats/index.js';
import { formatNames } from '../../src/formats/types.js';
import { checkBody } from '../../src/pipeline/decode.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

/**
 * Fuzz: adversarial message bodies (deep nesting, huge strings, big and odd numbers, duplicate
 * keys, a BOM, control characters and escape sequences, type swaps, truncation, random bytes,
 * random JSON) through decode (both paths) and every format. Nothing may throw; a body is
 * either an event that every format renders as one line, or poison with a reason.
 *
 * Seeded, so CI runs the same inputs every time and a failure names the iteration. A longer
 * run: AMPSTREAM_FUZZ_ITERATIONS=200000 AMPSTREAM_FUZZ_SEED=<n> npx vitest run --project main
 * test/formats/fuzz.test.ts (docs/formats.md).
 */
const SEED = Number(process.env['AMPSTREAM_FUZZ_SEED'] ?? 0xf022);
const ITERATIONS = Number(process.env['AMPSTREAM_FUZZ_ITERATIONS'] ?? 600);

type Rng = () => number;
/** xorshift32: a small seeded generator of our own. */
function xorshift(seed: number): Rng {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const fixtures = loadEventFixtures().map((f) => f.compact);

const NUMBERS = [
  '0',
  '-0',
  '1e308',
  '1e400',
  '-1e400',
  '1.7976931348623157e309',
  '123456789012345678901234567890',
  '-9223372036854775809',
  '18446744073709551616',
  '1.5',
  '-1',
  '4e-400',
  '8640000000001',
  '99999999999999999999999',
];
const STRINGS = [
  '"\\u0000\\u0001\\u001b[31mred\\u001b[0m"',
  '"\\u001b]0;title\\u0007"',
  '"\\r\\n\\u2028\\u2029\\u0085"',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"|=\\\\ CEF:0|x|"',
  '"' + 'x'.repeat(70_000) + '"',
  '"' + '\\u00e9'.repeat(20_000) + '"',
  '""',
];

function nested(r: Rng, depth: number): string {
  const open = r() < 0.5 ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + pick(r, ['1', '"x"', 'null', '{}', '[]']) + close.repeat(depth);
}

function randomJson(r: Rng, depth: number): string {
  const k = int(r, 0, depth > 4 ? 3 : 6);
  if (k <= 3) return pick(r, [...NUMBERS, ...STRINGS.slice(0, 6), 'true', 'false', 'null']);
  if (k === 4) return `[${Array.from({ length: int(r, 0, 4) }, () => randomJson(r, depth + 1)).join(',')}]`;
  const keys = [
    'id',
    'timestamp',
    'event_type_id',
    'event_type',
    'date',
    'computer',
    'file',
    'a',
    '__proto__',
  ];
  return `{${Array.from({ length: int(r, 0, 5) }, () => `"${pick(r, keys)}":${randomJson(r, depth + 1)}`).join(',')}}`;
}

/** Replace the value of `"key":` (first occurrence) in a compact body with `value`. */
function setValue(body: string, key: string, value: string): string {
  const at = body.indexOf(`"${key}":`);
  if (at < 0) return body.slice(0, -1) + `,"${key}":${value}}`;
  const start = at + key.length + 3;
  // the old value ends at the next , or } at the same nesting level (compact bodies, fixtures only)
  let depth = 0;
  let inString = false;
  let i = start;
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
  }
  return body.slice(0, start) + value + body.slice(i);
}

const FIELDS = [
  'id',
  'timestamp',
  'timestamp_nanoseconds',
  'event_type_id',
  'event_type',
  'date',
  'computer',
  'file',
  'detection',
  'severity',
  'network_info',
  'group_guids',
];

function mutate(r: Rng, body: string): Buffer {
  switch (int(r, 0, 11)) {
    case 0:
      return Buffer.from(
        setValue(body, pick(r, FIELDS), nested(r, pick(r, [10, 60, 200, 1000, 5000, 20000]))),
      );
    case 1:
      return Buffer.from(setValue(body, pick(r, FIELDS), pick(r, STRINGS)));
    case 2:
      return Buffer.from(setValue(body, pick(r, FIELDS), pick(r, NUMBERS)));
    case 3: // duplicate keys, the later one wins in JSON.parse
      return Buffer.from(body.slice(0, -1) + `,"${pick(r, FIELDS)}":${randomJson(r, 2)}}`);
    case 4:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    case 5: {
      // a raw control byte or escape sequence inside a string value
      const at = body.indexOf('":"') + 3;
      const bytes = Buffer.from(pick(r, ['\u0000', '\u001b[2J', '\u0007', '\u007f', '\u009b31m', '\t']));
      return Buffer.concat([Buffer.from(body.slice(0, at)), bytes, Buffer.from(body.slice(at))]);
    }
    case 6:
      return Buffer.from(
        setValue(body, pick(r, FIELDS), pick(r, ['null', '[]', '{}', '"x"', 'true', '[1,2]'])),
      );
    case 7:
      return Buffer.from(body.slice(0, int(r, 0, body.length)));
    case 8: {
      const b = Buffer.from(body);
      for (let n = int(r, 1, 4); n > 0; n--) b[int(r, 0, b.length - 1)] = int(r, 0, 255);
      return b;
    }
    case 9:
      return Buffer.from(randomJson(r, 0));
    case 10: // a nested object with every kind of oddity under a known object field
      return Buffer.from(setValue(body, pick(r, ['computer', 'file', 'network_info']), randomJson(r, 1)));
    default:
      return Buffer.from(
        setValue(body, 'id', pick(r, ['null', '"abc"', '1.5', '-0', '18446744073709551616'])),
      );
  }
}

function check(body: Buffer, where: string): 'event' | 'poison' {
  const full = decodeEvent(body);
  const fast = checkBody(body);
  expect(fast.ok, `decode paths disagree at ${where}`).toBe(full.ok);
  if (!full.ok) return 'poison';
  for (const name of formatNames) {
    let out: string | Buffer;
    try {
      out = getFormat(name).render(full.value);
    } catch (e) {
      throw new Error(`${name} threw at ${where}: ${(e as Error).stack ?? String(e)}`, { cause: e });
    }
    const text = out.toString();
    expect(/[\n\r]/.test(text), `${name} wrote a line break at ${where}`).toBe(false);
    if (name !== 'raw' && name !== 'cef')
      expect(() => void JSON.parse(text), `${name} not JSON at ${where}`).not.toThrow();
  }
  return 'event';
}

describe('fuzz: decode and every format on adversarial bodies', () => {
  it(`never throws (seed ${SEED}, ${ITERATIONS} bodies)`, () => {
    const r = xorshift(SEED);
    const seen = { event: 0, poison: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const base = pick(r, fixtures);
      let body = mutate(r, base);
      if (r() < 0.3) body = mutate(r, body.toString('utf8'));
      seen[check(body, `seed ${SEED} iteration ${i}`)]++;
    }
    // both outcomes are exercised
    expect(seen.event).toBeGreaterThan(ITERATIONS / 10);
    expect(seen.poison).toBeGreaterThan(ITERATIONS / 10);
  });

  it.each([
    ['an object nested 5,000 levels deep', (b: string) => setValue(b, 'file', nested(xorshift(1), 5000))],
    [
      'an array nested 20,000 levels deep',
      (b: string) => setValue(b, 'computer', '['.repeat(20000) + ']'.repeat(20000)),
    ],
    ['a timestamp of 1e400 (Infinity)', (b: string) => setValue(b, 'timestamp', '1e400')],
    ['a timestamp beyond the Date range', (b: string) => setValue(b, 'timestamp', '8640000000001')],
    [
      'a timestamp beyond the Date range and no date',
      (b: string) => setValue(b, 'timestamp', '8640000000001').replace(/"date":"[^"]*",?/, ''),
    ],
    ['a 2 MB string', (b: string) => setValue(b, 'detection', `"${'y'.repeat(2_000_000)}"`)],
  ])('handles %s without throwing', (_what, make) => {
    for (const base of fixtures) check(Buffer.from(make(base)), _what);
  });
});
