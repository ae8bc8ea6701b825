import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/event/catalog.js';
import { decodeEvent, parseLossless, stringifyEventLossless } from '../../src/event/decode.js';
import type { DecodedEvent, SecureEndpointEvent } from '../../src/event/types.js';
import { getFormat } from '../../src/formats/index.js';
import { formatNames } from '../../src/formats/types.js';
import { validateOcsfEvent } from '../../src/formats/ocsf/validate.js';
import { loadEventFixtures } from '../fixtures/events/load.js';
import { parseCef } from './helpers/cef-parse.js';
import { ecsProblems } from './helpers/ecs-check.js';
import { loadOcsfSchema, type Doc } from './helpers/reference.js';

/**
 * Property test: random and mutated events through every format. Seeded (mulberry32), so a
 * failure names the seed and iteration that reproduce it.
 */
/** Override with FORMATS_PROPERTY_SEED=<n> to explore other inputs (failures print the seed). */
const SEED = Number(process.env['FORMATS_PROPERTY_SEED'] ?? 0x5eed_2024);
const MUTATED_RUNS = 400;
const RANDOM_RUNS = 150;

type Rng = () => number;
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const NASTY = [
  '',
  ' ',
  'a|b|c',
  'k=v',
  'back\\slash\\',
  'line\nbreak',
  'cr\rlf\r\n',
  'tab\there',
  'ls\u2028ps\u2029nel\u0085',
  'nul\u0000bell\u0007',
  '😀 emoji 中文 ñ',
  '\ud800 lone surrogate',
  '"quoted"',
  ' key=value other=thing ',
  'CEF:0|x|y|z',
  '999.1.1.1',
  '10.0.0.1',
  '::1',
  '00:50:56:aa:bb:cc',
  'jdoe@CORP',
  '@',
  'Not Available',
  'http://bad.example:99999/x',
  'Outgoing connection from',
  'Incoming connection from',
  '\\\\?\\C:\\x\\y.exe',
  '12345678901234567890123',
];
const KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'id',
  'x',
  'file',
  'computer',
  'ip',
  'mac',
  'process_id',
  'sha256',
  '',
  'a.b',
  'ümlaut',
];

function randomString(rng: Rng): string {
  const r = rng();
  if (r < 0.6) return pick(rng, NASTY);
  if (r < 0.65) return 'A'.repeat(20_000 + Math.floor(rng() * 80_000));
  let s = '';
  const n = Math.floor(rng() * 20);
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rng() * 0x3000));
  return s;
}

function randomValue(rng: Rng, depth = 0): unknown {
  const r = rng();
  if (r < 0.3) return randomString(rng);
  if (r < 0.45) return pick(rng, [0, -1, 1.5, 65536, 2 ** 31, 2 ** 53 + 2, 1e300, -0, 896, 1700000000]);
  if (r < 0.55) return rng() < 0.5;
  if (r < 0.65) return null;
  if (depth > 3) return 'deep';
  if (r < 0.82) {
    const o: Record<string, unknown> = {};
    const n = Math.floor(rng() * 4);
    for (let i = 0; i < n; i++)
      Object.defineProperty(o, pick(rng, KEYS), {
        value: randomValue(rng, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  }
  return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, depth + 1));
}

/** Every container (object or array) in the tree with its own keys. */
function containers(
  v: unknown,
  out: (Record<string, unknown> | unknown[])[] = [],
): (Record<string, unknown> | unknown[])[] {
  if (typeof v === 'object' && v !== null) {
    out.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) containers(child, out);
  }
  return out;
}

function mutate(root: Record<string, unknown>, rng: Rng): void {
  const n = 1 + Math.floor(rng() * 5);
  for (let i = 0; i < n; i++) {
    const target = pick(rng, containers(root));
    const keys = Object.keys(target);
    const op = rng();
    if (Array.isArray(target)) {
      if (op < 0.3 && target.length > 0) target.splice(Math.floor(rng() * target.length), 1);
      else target.push(randomValue(rng));
    } else if (op < 0.35 && keys.length > 0) {
      delete target[pick(rng, keys)];
    } else if (op < 0.8 && keys.length > 0) {
      target[pick(rng, keys)] = randomValue(rng);
    } else {
      Object.defineProperty(target, pick(rng, KEYS), {
        value: randomValue(rng),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
}

function randomEvent(rng: Rng): Record<string, unknown> {
  const e: Record<string, unknown> = {
    id: String(Math.floor(rng() * 9e15)) + String(Math.floor(rng() * 1000)).padStart(3, '0'),
    timestamp: Math.floor(rng() * 2e9),
    timestamp_nanoseconds: Math.floor(rng() * 1e9),
    event_type_id: rng() < 0.8 ? pick(rng, EVENT_TYPES).id : Math.floor(rng() * 2 ** 32),
    event_type: randomString(rng),
  };
  const n = Math.floor(rng() * 8);
  for (let i = 0; i < n; i++)
    e[
      pick(rng, [
        'computer',
        'file',
        'network_info',
        'severity',
        'detection',
        'scan',
        'vulnerabilities',
        'tactics',
        'error',
        'x',
      ])
    ] = randomValue(rng);
  return e;
}

const formats = formatNames.map((n) => getFormat(n));
const schema = loadOcsfSchema();

/** The invariants every format keeps for any input. */
function checkAll(d: DecodedEvent, decoded: boolean, where: string): void {
  const id = typeof d.event.id === 'string' && d.event.id.length > 0 ? d.event.id : undefined;
  for (const f of formats) {
    let out: string | Buffer;
    try {
      out = f.render(d);
    } catch (e) {
      throw new Error(`${f.name} threw at ${where}: ${(e as Error).stack ?? String(e)}`, { cause: e });
    }
    if (f.name === 'raw') {
      expect(Buffer.isBuffer(out), where).toBe(true);
      expect(
        (out as Buffer).includes(0x0a) || (out as Buffer).includes(0x0d),
        `raw newline at ${where}`,
      ).toBe(false);
      if (decoded && id !== undefined)
        expect(
          String((parseLossless((out as Buffer).toString('utf8')) as SecureEndpointEvent).id),
          where,
        ).toBe(id);
      continue;
    }
    expect(typeof out, where).toBe('string');
    const line = out as string;
    expect(/[\r\n\u0085\u2028\u2029]/.test(line), `${f.name} line break at ${where}`).toBe(false);
    if (f.kind === 'json') {
      const doc: Doc = JSON.parse(line);
      if (f.name === 'ecs') {
        expect(doc.event.id, where).toBe(id);
        expect(ecsProblems(doc), `ecs fields at ${where}`).toEqual([]);
      }
      if (f.name === 'ocsf') {
        expect(doc.metadata.uid, where).toBe(id);
        if (decoded) expect(validateOcsfEvent(schema, doc).errors, `ocsf schema at ${where}`).toEqual([]);
      }
    } else {
      const { header, ext } = parseCef(line);
      expect(header.slice(0, 4), where).toEqual(['CEF:0', 'Cisco', 'Secure Endpoint', 'v1']);
      expect(Number(header[6]), where).toBeGreaterThanOrEqual(0);
      // undecoded events may carry any string as id: CEF cuts externalId to its 40 characters
      if (decoded || (id !== undefined && /^\d{1,40}$/.test(id)))
        expect(ext.get('externalId'), where).toBe(id);
    }
  }
}

describe('every format, on random and mutated events', () => {
  const fixtures = loadEventFixtures();

  it('never throws, writes one line, keeps ids exact and (decoded) OCSF schema-valid', () => {
    const rng = mulberry32(SEED);
    let decodedCount = 0;
    for (let i = 0; i < MUTATED_RUNS; i++) {
      const base = pick(rng, fixtures);
      const obj = parseLossless(base.compact) as Record<string, unknown>;
      mutate(obj, rng);
      const text = stringifyEventLossless(obj as unknown as SecureEndpointEvent);
      const where = `seed ${SEED} mutated #${i} (${base.name})`;
      const result = decodeEvent(Buffer.from(text, 'utf8'));
      if (result.ok) {
        decodedCount++;
        checkAll(result.value, true, where);
      }
      // and the same object straight to the formatters, without decode's guarantees
      checkAll(
        { raw: Buffer.from(text, 'utf8'), event: obj as unknown as SecureEndpointEvent },
        false,
        `${where} undecoded`,
      );
    }
    expect(decodedCount).toBeGreaterThan(MUTATED_RUNS / 2);
  });

  it('handles fully random events', () => {
    const rng = mulberry32(SEED + 1);
    for (let i = 0; i < RANDOM_RUNS; i++) {
      const e = randomEvent(rng);
      const text = stringifyEventLossless(e as unknown as SecureEndpointEvent);
      const result = decodeEvent(Buffer.from(text, 'utf8'));
      expect(result.ok, `random #${i}`).toBe(true);
      if (result.ok) {
        expect(result.value.event.id).toBe(e['id']);
        checkAll(result.value, true, `seed ${SEED + 1} random #${i}`);
      }
    }
  });
});
