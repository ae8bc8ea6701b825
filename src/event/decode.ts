import { isUtf8 } from 'node:buffer';
import type { DecodedEvent, SecureEndpointEvent } from './types.js';

/**
 * Lossless decoding of one stream message body.
 *
 * Cisco event ids are 64-bit integers above 2^53 (e.g. 6533241145273614339) and `JSON.parse`
 * rounds them. Node 20's JSON.parse has no reviver access to the source text, so before
 * parsing, every integer literal of 16 or more digits standing as a value *outside strings*
 * is wrapped in quotes, and becomes a decimal string. Integers that long are ids in this data
 * (timestamps have 10 digits, NTSTATUS error codes 10, event type ids 10); 15 digits and fewer
 * are always exact in a double. Then the native parser does the rest, several times faster
 * than a JSON parser written in JavaScript.
 *
 * Finding those literals is one pass over the *bytes* that tracks "inside a string or not"
 * (a regular expression over the text, matching every string token to skip it, cost twice
 * the JSON.parse itself); strings are skipped with the native byte search for their closing
 * quote (half the cost of a byte-by-byte loop: most of an event is strings). A literal
 * qualifies when it is preceded by `:`, `[` or `,` (and optional whitespace), followed by
 * optional whitespace and `,`, `]` or `}`, and does not start with a `0` (invalid JSON). Positions are byte offsets: the body is decoded in
 * pieces cut at them (ASCII digits, so multi-byte characters cannot be split) and the quotes
 * joined in. Bodies without such a literal are parsed as they are.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const D0 = 0x30;
const D9 = 0x39;
/** Shortest integer literal that may not fit a double exactly (15 digits always do). */
export const LONG_DIGITS = 16;

/**
 * (default=64) deepest nesting of objects and arrays an event may have. Real events nest 5 or
 * 6 levels; the formats walk the event recursively, and an event nested thousands of levels
 * deep would exhaust the stack. Checked on the bytes, before anything is parsed or formatted.
 */
export const MAX_EVENT_DEPTH = 64;
/**
 * (default=1_048_576) largest message body taken as an event, in bytes (1 MiB). Real events
 * are 1-50 KB; many receivers refuse more than 1 MB per event (Splunk HEC, NATS max_payload).
 */
export const MAX_EVENT_BYTES = 1_048_576;
/** The largest epoch seconds a JavaScript Date can hold (±8.64e15 ms): the formats make dates of it. */
export const MAX_TIMESTAMP_SECONDS = 8.64e12;

/**
 * The body's nesting of `{` and `[` outside strings goes beyond `limit`: one pass over the
 * bytes outside strings (strings are skipped with the native search, as in `findLongIntegers`).
 */
export function nestedBeyond(buf: Uint8Array, limit: number): boolean {
  return scanBody(buf, limit) === undefined;
}

/** The size and depth limits, checked before parsing: the poison reason, or undefined. */
export function checkLimits(raw: Uint8Array): PoisonReason | undefined {
  if (raw.length > MAX_EVENT_BYTES) return { kind: 'too-large', bytes: raw.length, limit: MAX_EVENT_BYTES };
  if (nestedBeyond(raw, MAX_EVENT_DEPTH)) return { kind: 'too-deep', limit: MAX_EVENT_DEPTH };
  return undefined;
}

export function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Byte ranges [start, end) of long integer literals outside strings, flattened as
 * [s0, e0, s1, e1, …]; empty when there are none (the common case costs one pass).
 */
export function findLongIntegers(buf: Uint8Array): number[] {
  return scanBody(buf, Infinity) ?? [];
}

/**
 * The one pass over a body's bytes outside strings that both checks need: the ranges of long
 * integer literals (as `findLongIntegers`), or undefined as soon as `{`/`[` nest beyond
 * `depthLimit`. An unterminated string ends the scan (the parse then rejects the body).
 * Decoding an event used to walk every byte once for the depth and again for the ranges
 * (1.5 + 1.0 µs per fixture event); one scan that skips strings natively is ~1.0.
 */
function scanBody(buf: Uint8Array, depthLimit: number): number[] | undefined {
  const out: number[] = [];
  const n = buf.length;
  let depth = 0;
  // The last non-whitespace byte outside strings, before the current position.
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      // Most of a body is inside strings: jump to the closing quote with the native search
      // (a quote preceded by an odd run of backslashes is escaped). Unterminated: nothing more.
      const close = closingQuote(buf, i);
      if (close < 0) return out;
      i = close;
      prev = QUOTE;
      continue;
    }
    if ((c >= D0 && c <= D9) || c === MINUS) {
      const start = i;
      let j = c === MINUS ? i + 1 : i;
      const firstDigit = j;
      while (j < n && (buf[j] as number) >= D0 && (buf[j] as number) <= D9) j++;
      // A leading zero makes the literal invalid JSON: left as it is, so the parse rejects it
      // (quoted, "0123…" would pass as a string).
      if (
        j - firstDigit >= LONG_DIGITS &&
        buf[firstDigit] !== D0 &&
        (prev === 0x3a || prev === 0x5b || prev === 0x2c)
      ) {
        let k = j;
        while (k < n && isJsonWhitespace(buf[k] as number)) k++;
        const next = k < n ? (buf[k] as number) : 0;
        if (next === 0x2c || next === 0x5d || next === 0x7d) out.push(start, j);
      }
      prev = buf[j - 1] as number;
      i = j - 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      if (++depth > depthLimit) return undefined;
    } else if (c === 0x7d || c === 0x5d) depth--;
    if (!isJsonWhitespace(c)) prev = c;
  }
  return out;
}

/** Index of the quote that closes the string opened at `open`, or -1. */
function closingQuote(buf: Uint8Array, open: number): number {
  let q = open;
  for (;;) {
    q = buf.indexOf(QUOTE, q + 1);
    if (q < 0) return -1;
    let b = q - 1;
    while (buf[b] === BACKSLASH) b--; // stops at the opening quote at the latest
    if (((q - 1 - b) & 1) === 0) return q;
  }
}

/**
 * The body as text with a `"` around each range from `findLongIntegers`. The ranges are ASCII
 * digits, so cutting the bytes there never splits a UTF-8 sequence; decoding the pieces and
 * joining the strings costs less than copying the bytes into a new Buffer first.
 */
function quotedText(buf: Buffer, ranges: readonly number[]): string {
  let text = '';
  let at = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const s = ranges[r] as number;
    const e = ranges[r + 1] as number;
    text += `${buf.toString('utf8', at, s)}"${buf.toString('latin1', s, e)}"`;
    at = e;
  }
  return text + buf.toString('utf8', at);
}

/** Parse UTF-8 JSON bytes losslessly: long integers become decimal strings. Throws SyntaxError. */
export function parseLosslessBytes(raw: Buffer): unknown {
  const ranges = findLongIntegers(raw);
  return JSON.parse(ranges.length === 0 ? raw.toString('utf8') : quotedText(raw, ranges));
}

/** Parse JSON text losslessly (API responses): long integers become decimal strings. */
export function parseLossless(text: string): unknown {
  return parseLosslessBytes(Buffer.from(text, 'utf8'));
}

/** Why a message is not an event: the dead-letter reason. */
export type PoisonReason =
  | { readonly kind: 'not-utf8' }
  | { readonly kind: 'not-json'; readonly message: string }
  | { readonly kind: 'not-an-object' }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number }
  | { readonly kind: 'too-deep'; readonly limit: number }
  | { readonly kind: 'missing-field'; readonly field: string }
  | { readonly kind: 'bad-field'; readonly field: string; readonly expected: string };

export type DecodeResult =
  { readonly ok: true; readonly value: DecodedEvent } | { readonly ok: false; readonly reason: PoisonReason };

/** Decode one message body: the event (ids as decimal strings, raw bytes kept) or why it is poison. */
export function decodeEvent(raw: Buffer): DecodeResult {
  if (!isUtf8(raw)) return { ok: false, reason: { kind: 'not-utf8' } };
  if (raw.length > MAX_EVENT_BYTES)
    return { ok: false, reason: { kind: 'too-large', bytes: raw.length, limit: MAX_EVENT_BYTES } };
  // checkLimits' depth check and parseLosslessBytes' search for long integers, in one scan
  const ranges = scanBody(raw, MAX_EVENT_DEPTH);
  if (ranges === undefined) return { ok: false, reason: { kind: 'too-deep', limit: MAX_EVENT_DEPTH } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(ranges.length === 0 ? raw.toString('utf8') : quotedText(raw, ranges));
  } catch (e) {
    return { ok: false, reason: { kind: 'not-json', message: (e as Error).message } };
  }
  return validateEvent(raw, parsed);
}

/**
 * The field rules of an event, applied to an already (losslessly) parsed body: an object
 * with an integer `id` when it has one (turned into a decimal string), a numeric `event_type_id` and
 * `timestamp`; a missing `event_type` becomes "" and a missing `date` is derived.
 */
export function validateEvent(raw: Buffer, parsed: unknown): DecodeResult {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: { kind: 'not-an-object' } };
  }
  const obj = parsed as Record<string, unknown>;
  const idCheck = normaliseId(obj);
  if (idCheck !== undefined) return { ok: false, reason: idCheck };
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
  if (!(Math.abs(ts) <= MAX_TIMESTAMP_SECONDS))
    return {
      ok: false,
      reason: { kind: 'bad-field', field: 'timestamp', expected: 'a date in epoch seconds' },
    };
  if (typeof obj['event_type'] !== 'string') obj['event_type'] = '';
  if (typeof obj['date'] !== 'string') obj['date'] = new Date(ts * 1000).toISOString();
  return { ok: true, value: { raw, event: obj as unknown as SecureEndpointEvent } };
}

/** `id` must be an integer; short ones arrive as numbers and are turned into strings. */
function normaliseId(obj: Record<string, unknown>): PoisonReason | undefined {
  const id = obj['id'];
  if (id === undefined || id === null) {
    // Some kinds come without an id (threat hunting incidents): keyed by their bytes (key.ts).
    delete obj['id'];
    return undefined;
  }
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id)) return { kind: 'bad-field', field: 'id', expected: 'integer' };
    obj['id'] = String(id);
    return undefined;
  }
  if (typeof id === 'string' && /^-?\d+$/.test(id)) return undefined;
  return { kind: 'bad-field', field: 'id', expected: 'integer' };
}

export function describePoison(reason: PoisonReason): string {
  switch (reason.kind) {
    case 'not-utf8':
      return 'body is not valid UTF-8';
    case 'not-json':
      return `body is not JSON (${reason.message})`;
    case 'not-an-object':
      return 'body is JSON but not an object';
    case 'too-large':
      return `body is ${reason.bytes} bytes, more than the ${reason.limit} an event may have`;
    case 'too-deep':
      return `body nests objects or arrays more than ${reason.limit} levels deep`;
    case 'missing-field':
      return `event has no "${reason.field}"`;
    case 'bad-field':
      return `event field "${reason.field}" is not ${reason.expected === 'integer' ? 'an integer' : reason.expected}`;
  }
}

/**
 * Serialise a parsed event back to JSON, emitting the long-integer ids as bare numbers again
 * (so a re-encoded event has the same shape as the cloud's). Used where a JSON record must be
 * rebuilt; the `raw` format never re-encodes.
 */
export function stringifyEventLossless(event: SecureEndpointEvent): string {
  return JSON.stringify(event).replace(/"id":"(-?\d+)"/g, '"id":$1');
}
