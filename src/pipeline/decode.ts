import { isUtf8 } from 'node:buffer';
import { AmpError } from '../errors.js';
import { decodeEvent, describePoison, type DecodeResult, type PoisonReason } from '../event/decode.js';
import type { DecodedEvent, SecureEndpointEvent } from '../event/types.js';

/**
 * The pipeline's decoder: the same contract and results as `decodeEvent`
 * (src/event/decode.ts) — lossless ids, the same poison reasons — at about half the CPU.
 *
 * `decodeEvent` finds the long integers with one regular expression over the whole text
 * (it matches every string token to skip it), which costs ~7 µs for a 1.5 KB event, twice
 * the JSON.parse itself. Here one pass over the *bytes* tracks "inside a string or not" and
 * notes the integer literals of 16+ digits standing as values outside strings (the same rule
 * as `quoteLongIntegers`: preceded by `:`, `[` or `,` and optional whitespace, followed by
 * optional whitespace and `,`, `]` or `}`); only those get quotes. UTF-8 validity is checked
 * natively (`buffer.isUtf8`), then the validation of fields is delegated to the same rules.
 *
 * Positions are byte offsets, so the quotes are inserted into the bytes before decoding to
 * text (multi-byte characters cannot shift them).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const D0 = 0x30;
const D9 = 0x39;
/** Shortest integer literal that may not fit a double exactly (15 digits always do). */
const LONG_DIGITS = 16;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Byte ranges [start, end) of long integer literals outside strings, flattened as
 * [s0, e0, s1, e1, …]; empty when there are none (the common case costs one pass).
 */
export function findLongIntegers(buf: Buffer): number[] {
  const out: number[] = [];
  const n = buf.length;
  let inString = false;
  // The last non-whitespace byte outside strings, before the current position.
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        prev = QUOTE;
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      continue;
    }
    if ((c >= D0 && c <= D9) || c === MINUS) {
      const start = i;
      let j = c === MINUS ? i + 1 : i;
      const firstDigit = j;
      while (j < n && (buf[j] as number) >= D0 && (buf[j] as number) <= D9) j++;
      if (j - firstDigit >= LONG_DIGITS && (prev === 0x3a || prev === 0x5b || prev === 0x2c)) {
        let k = j;
        while (k < n && isWs(buf[k] as number)) k++;
        const next = k < n ? (buf[k] as number) : 0;
        if (next === 0x2c || next === 0x5d || next === 0x7d) out.push(start, j);
      }
      prev = buf[j - 1] as number;
      i = j - 1;
      continue;
    }
    if (!isWs(c)) prev = c;
  }
  return out;
}

/** The body with a `"` around each range from `findLongIntegers`. */
export function quoteRanges(buf: Buffer, ranges: readonly number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const s = ranges[r] as number;
    const e = ranges[r + 1] as number;
    parts.push(buf.subarray(at, s), QUOTE_BUF, buf.subarray(s, e), QUOTE_BUF);
    at = e;
  }
  parts.push(buf.subarray(at));
  return Buffer.concat(parts);
}
const QUOTE_BUF = Buffer.from('"');

/** Parse the body losslessly; throws SyntaxError like JSON.parse. The body must be UTF-8. */
export function parseBodyLossless(raw: Buffer): unknown {
  const ranges = findLongIntegers(raw);
  const bytes = ranges.length === 0 ? raw : quoteRanges(raw, ranges);
  return JSON.parse(bytes.toString('utf8'));
}

/**
 * Decode one message body: `{ok: true, value: {raw, event}}` or `{ok: false, reason}`, exactly
 * like `decodeEvent`. Invalid UTF-8 and syntax errors are answered here; anything that
 * parses is checked by `decodeEvent`'s own field rules through `validateParsed`.
 */
export function decodeBody(raw: Buffer): DecodeResult {
  if (!isUtf8(raw)) return { ok: false, reason: { kind: 'not-utf8' } };
  let parsed: unknown;
  try {
    parsed = parseBodyLossless(raw);
  } catch (e) {
    return { ok: false, reason: { kind: 'not-json', message: (e as Error).message } };
  }
  return validateParsed(raw, parsed);
}

/**
 * The field rules of `decodeEvent` applied to an already parsed body. `decodeEvent` keeps
 * them private, so they are restated here; the differential test in
 * test/pipeline/decode.test.ts holds the two to the same answers.
 */
export function validateParsed(raw: Buffer, parsed: unknown): DecodeResult {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: { kind: 'not-an-object' } };
  }
  const obj = parsed as Record<string, unknown>;
  const id = obj['id'];
  if (id === undefined) return { ok: false, reason: { kind: 'missing-field', field: 'id' } };
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id))
      return { ok: false, reason: { kind: 'bad-field', field: 'id', expected: 'integer' } };
    obj['id'] = String(id);
  } else if (typeof id !== 'string' || !/^-?\d+$/.test(id)) {
    return { ok: false, reason: { kind: 'bad-field', field: 'id', expected: 'integer' } };
  }
  const typeId = obj['event_type_id'];
  if (typeof typeId !== 'number') {
    return typeId === undefined
      ? { ok: false, reason: { kind: 'missing-field', field: 'event_type_id' } }
      : { ok: false, reason: { kind: 'bad-field', field: 'event_type_id', expected: 'integer' } };
  }
  const ts = obj['timestamp'];
  if (typeof ts !== 'number') {
    return ts === undefined
      ? { ok: false, reason: { kind: 'missing-field', field: 'timestamp' } }
      : { ok: false, reason: { kind: 'bad-field', field: 'timestamp', expected: 'integer' } };
  }
  if (typeof obj['event_type'] !== 'string') obj['event_type'] = '';
  if (typeof obj['date'] !== 'string') obj['date'] = new Date(ts * 1000).toISOString();
  return { ok: true, value: { raw, event: obj as never } };
}

/** The reference decoder, for the differential test. */
export { decodeEvent };

/** Doubles at or above this may have come from a 16+ digit literal (which the lossless parse quotes). */
const MAYBE_LONG = 1e15;

export type CheckResult =
  { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: PoisonReason };

/**
 * Is this body an event? The same verdict as `decodeBody`, without building the lossless
 * event: for pipelines that only forward the original bytes (raw format, no filter, no dedup),
 * the event object is then built only if someone reads it (`LazyDecodedEvent`).
 *
 * A plain `JSON.parse` accepts and rejects exactly the same texts as the lossless parse (the
 * quoting only touches valid number tokens). What differs is the type of long literals, so:
 * an `id` that is not a safe integer must be written as a bare digit run in the text (found
 * and compared; anything unusual falls back to `decodeBody`), and a `timestamp` or
 * `event_type_id` that may have been 16+ digits also falls back.
 */
export function checkBody(raw: Buffer): CheckResult {
  if (!isUtf8(raw)) return { ok: false, reason: { kind: 'not-utf8' } };
  const text = raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: { kind: 'not-json', message: (e as Error).message } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: { kind: 'not-an-object' } };
  const obj = parsed as Record<string, unknown>;
  const id = obj['id'];
  const ts = obj['timestamp'];
  const typeId = obj['event_type_id'];
  const simple =
    typeof ts === 'number' &&
    Math.abs(ts) < MAYBE_LONG &&
    typeof typeId === 'number' &&
    Math.abs(typeId) < MAYBE_LONG &&
    ((typeof id === 'number' && (Number.isSafeInteger(id) || idLiteralMatches(text, id))) ||
      (typeof id === 'string' && /^-?\d+$/.test(id)));
  if (simple) return { ok: true, timestamp: ts };
  const full = decodeBody(raw);
  return full.ok ? { ok: true, timestamp: full.value.event.timestamp } : full;
}

/**
 * The first `"id":` key's value is a bare integer literal of 16+ digits that rounds to `id`
 * (checked char by char: this runs for every real event, whose ids exceed 2^53).
 */
function idLiteralMatches(text: string, id: number): boolean {
  const at = text.indexOf('"id":');
  if (at < 0) return false;
  let i = at + 5;
  const n = text.length;
  while (i < n && isWsCode(text.charCodeAt(i))) i++;
  const start = i;
  if (text.charCodeAt(i) === MINUS) i++;
  const firstDigit = i;
  while (i < n && text.charCodeAt(i) >= D0 && text.charCodeAt(i) <= D9) i++;
  if (i - firstDigit < LONG_DIGITS) return false;
  const end = i;
  while (i < n && isWsCode(text.charCodeAt(i))) i++;
  const next = text.charCodeAt(i);
  return (next === 0x2c || next === 0x7d || next === 0x5d) && Number(text.slice(start, end)) === id;
}

function isWsCode(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * A checked body whose lossless event is built on first access (and kept). Satisfies
 * `DecodedEvent`, so sinks that index columns still get `event.event.id` exactly.
 */
export class LazyDecodedEvent implements DecodedEvent {
  #event: SecureEndpointEvent | undefined;
  constructor(readonly raw: Buffer) {}

  get event(): SecureEndpointEvent {
    if (this.#event === undefined) {
      const r = decodeBody(this.raw);
      // checkBody accepted these bytes, so decodeBody does too (same rules; tested).
      if (!r.ok)
        throw new AmpError('INTERNAL', `event decode disagreed with its check: ${describePoison(r.reason)}`);
      this.#event = r.value.event;
    }
    return this.#event;
  }
}
