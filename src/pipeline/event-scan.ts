import { LONG_DIGITS, MAX_EVENT_DEPTH, MAX_TIMESTAMP_SECONDS } from '../event/decode.js';

/**
 * A validating JSON scanner for the raw path's `checkBody` (src/pipeline/decode.ts): one pass
 * over a body's bytes that checks the JSON grammar (RFC 8259, as `JSON.parse` applies it),
 * the depth limit and the three fields an event needs, without building any object or
 * string. Measured against `JSON.parse` of the decoded text in docs/bench.md ("Measured").
 *
 * It only ever answers "this is an event, with this timestamp" or "not sure". Every body it
 * is not sure about (invalid JSON, too deep, a missing or odd field, an id string written
 * with escapes) goes to `decodeEvent`, which gives the verdict and the poison reason, so
 * those stay exactly `decodeEvent`'s (JSON.parse's message included). It must never accept
 * a body `decodeEvent` rejects, and should answer for every event it accepts:
 * test/pipeline/event-scan.test.ts holds it to both on fixtures, generated and emulator
 * events and 60,000 mutated bodies.
 *
 * The caller has checked the bytes are UTF-8 (`isUtf8`), so bytes from 0x80 up can only be
 * parts of characters; inside strings they are plain text, outside they are a syntax error.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const D0 = 0x30;
const D1 = 0x31;
const D9 = 0x39;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** Bytes a string may hold as they are: everything but `"`, `\` and the controls below 0x20. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;
/** The characters a `\` may escape with one character (`\u` is handled apart). */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const WHITESPACE = new Uint8Array(256);
for (const c of ' \t\n\r') WHITESPACE[c.charCodeAt(0)] = 1;

/** What each open container is, by depth (1 = the top-level object); reused, never shared across calls. */
const IN_OBJECT = new Uint8Array(MAX_EVENT_DEPTH + 2);

/** The top-level keys the event rules read. */
const KEY_OTHER = 0;
const KEY_ID = 1;
const KEY_TIMESTAMP = 2;
const KEY_TYPE_ID = 3;
const ID = [0x69, 0x64];
const TIMESTAMP = [...'timestamp'].map((c) => c.charCodeAt(0));
const EVENT_TYPE_ID = [...'event_type_id'].map((c) => c.charCodeAt(0));

/** Set by `skipString` when the string held an escape. */
let escaped = false;

/** Per field: [start, end) of its last value's token (last wins, as in JSON.parse), or -1. */
const fieldStart = new Int32Array(4);
const fieldEnd = new Int32Array(4);

/**
 * The body's timestamp when it is certainly an event `decodeEvent` accepts; undefined when
 * not sure (then `decodeEvent` decides).
 */
export function scanEvent(buf: Uint8Array): number | undefined {
  const n = buf.length;
  fieldStart.fill(-1);
  let i = skipWhitespace(buf, 0, n);
  if (buf[i] !== OPEN_OBJECT) return undefined;
  i++;
  let depth = 1;
  IN_OBJECT[1] = 1;
  // The top-level member whose value comes next (KEY_*); only read at depth 1.
  let member = KEY_OTHER;
  // Just after `{` or `[`: the container may close at once.
  let opened = true;
  for (;;) {
    // The next member (in an object) or element (in an array), or the close.
    i = skipWhitespace(buf, i, n);
    let c = buf[i];
    let valueNext = true;
    if (IN_OBJECT[depth] === 1) {
      if (opened && c === CLOSE_OBJECT) {
        i++;
        depth--;
        valueNext = false;
      } else {
        if (c !== QUOTE) return undefined;
        const keyStart = i + 1;
        escaped = false;
        i = skipString(buf, i, n);
        if (i < 0) return undefined;
        if (depth === 1) {
          member = escaped ? escapedKey(buf, keyStart - 1, i) : topLevelKey(buf, keyStart, i - 1);
        }
        i = skipWhitespace(buf, i, n);
        if (buf[i] !== COLON) return undefined;
        i = skipWhitespace(buf, i + 1, n);
        c = buf[i];
      }
    } else if (opened && c === CLOSE_ARRAY) {
      i++;
      depth--;
      valueNext = false;
    }
    opened = false;
    if (valueNext) {
      const start = i;
      if (c === QUOTE) i = skipString(buf, i, n);
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === 1 && member !== KEY_OTHER) {
          fieldStart[member] = start;
          fieldEnd[member] = start; // a container: no field may be one
        }
        if (++depth > MAX_EVENT_DEPTH) return undefined;
        IN_OBJECT[depth] = c === OPEN_OBJECT ? 1 : 0;
        i++;
        opened = true;
        continue;
      } else if (c === MINUS || (c !== undefined && c >= D0 && c <= D9)) i = skipNumber(buf, i, n);
      else i = skipLiteral(buf, i, n);
      if (i < 0) return undefined;
      if (depth === 1 && member !== KEY_OTHER) {
        fieldStart[member] = start;
        fieldEnd[member] = i;
      }
    }
    // After a value or a close: `,` and the next one, or the close of the container.
    for (;;) {
      i = skipWhitespace(buf, i, n);
      if (depth === 0) return i === n ? fields(buf) : undefined;
      c = buf[i];
      if (c === COMMA) {
        i++;
        break;
      }
      if (c !== (IN_OBJECT[depth] === 1 ? CLOSE_OBJECT : CLOSE_ARRAY)) return undefined;
      i++;
      depth--;
    }
  }
}

function skipWhitespace(buf: Uint8Array, i: number, n: number): number {
  while (i < n && WHITESPACE[buf[i] as number] === 1) i++;
  return i;
}

/** The index after the string opened at `i`, or -1 (unterminated, raw control character, bad escape). */
function skipString(buf: Uint8Array, i: number, n: number): number {
  i++;
  for (;;) {
    // Four bytes a step while all are plain (~5 % of a scan; a 32-bit word test with a view
    // over the bytes measured no better: strings are short), then byte by byte.
    while (
      i + 3 < n &&
      (PLAIN[buf[i] as number] as number) &
        (PLAIN[buf[i + 1] as number] as number) &
        (PLAIN[buf[i + 2] as number] as number) &
        (PLAIN[buf[i + 3] as number] as number)
    )
      i += 4;
    while (i < n && PLAIN[buf[i] as number] === 1) i++;
    if (i >= n) return -1;
    const c = buf[i] as number;
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH) return -1; // a control character
    escaped = true;
    const e = buf[i + 1];
    if (e === LOWER_U) {
      if (
        HEX[buf[i + 2] as number] !== 1 ||
        HEX[buf[i + 3] as number] !== 1 ||
        HEX[buf[i + 4] as number] !== 1 ||
        HEX[buf[i + 5] as number] !== 1
      )
        return -1;
      i += 6;
    } else if (e !== undefined && SHORT_ESCAPE[e] === 1) i += 2;
    else return -1;
  }
}

/** The index after the number token at `i` (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), or -1. */
function skipNumber(buf: Uint8Array, i: number, n: number): number {
  if (buf[i] === MINUS) i++;
  let c = buf[i];
  if (c === D0) i++;
  else if (c !== undefined && c >= D1 && c <= D9) i = skipDigits(buf, i + 1, n);
  else return -1;
  if (buf[i] === DOT) {
    const first = i + 1;
    i = skipDigits(buf, first, n);
    if (i === first) return -1;
  }
  c = buf[i];
  if (c === LOWER_E || c === UPPER_E) {
    c = buf[++i];
    if (c === PLUS || c === MINUS) i++;
    const first = i;
    i = skipDigits(buf, first, n);
    if (i === first) return -1;
  }
  return i;
}

function skipDigits(buf: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = buf[i] as number;
    if (c < D0 || c > D9) break;
    i++;
  }
  return i;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** The index after `true`, `false` or `null` at `i`, or -1. */
function skipLiteral(buf: Uint8Array, i: number, n: number): number {
  const c = buf[i];
  const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined;
  if (word === undefined || i + word.length > n) return -1;
  for (let k = 1; k < word.length; k++) if (buf[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** KEY_* for the key bytes [s, e) of a top-level member (written without escapes). */
function topLevelKey(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  const word = len === 2 ? ID : len === 9 ? TIMESTAMP : len === 13 ? EVENT_TYPE_ID : undefined;
  if (word === undefined) return KEY_OTHER;
  for (let k = 0; k < len; k++) if (buf[s + k] !== word[k]) return KEY_OTHER;
  return len === 2 ? KEY_ID : len === 9 ? KEY_TIMESTAMP : KEY_TYPE_ID;
}

/**
 * KEY_* for a top-level key written with escapes ("\\u0069d" is "id"): rare, so the valid
 * string token [s, e) is decoded by JSON.parse itself.
 */
function escapedKey(buf: Uint8Array, s: number, e: number): number {
  const key: unknown = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8'));
  return key === 'id'
    ? KEY_ID
    : key === 'timestamp'
      ? KEY_TIMESTAMP
      : key === 'event_type_id'
        ? KEY_TYPE_ID
        : KEY_OTHER;
}

/**
 * The event rules of `validateEvent`, on the last value of each field; the timestamp, or
 * undefined when a field is missing, odd, or needs the lossless parse to tell.
 */
function fields(buf: Uint8Array): number | undefined {
  // id: absent or null, a bare integer literal (16+ digits are kept as decimal strings), a
  // number that is a safe integer, or a string of digits.
  const idStart = fieldStart[KEY_ID] as number;
  if (idStart >= 0) {
    const idEnd = fieldEnd[KEY_ID] as number;
    const c = buf[idStart] as number;
    if (c === QUOTE) {
      if (!digitString(buf, idStart + 1, idEnd - 1)) return undefined;
    } else if (c === MINUS || (c >= D0 && c <= D9)) {
      if (!isLongInteger(buf, idStart, idEnd) && !Number.isSafeInteger(numberAt(buf, idStart, idEnd)))
        return undefined;
    } else if (c !== 0x6e) return undefined; // null is no id; true, false, {…}, […] are bad ids
  }
  const typeStart = fieldStart[KEY_TYPE_ID] as number;
  if (typeStart < 0 || !isPlainNumber(buf, typeStart, fieldEnd[KEY_TYPE_ID] as number)) return undefined;
  const tsStart = fieldStart[KEY_TIMESTAMP] as number;
  const tsEnd = fieldEnd[KEY_TIMESTAMP] as number;
  if (tsStart < 0 || !isPlainNumber(buf, tsStart, tsEnd)) return undefined;
  const ts = numberAt(buf, tsStart, tsEnd);
  return Math.abs(ts) <= MAX_TIMESTAMP_SECONDS ? ts : undefined;
}

/** A number token that the lossless parse leaves a number (not a 16+ digit integer literal). */
function isPlainNumber(buf: Uint8Array, s: number, e: number): boolean {
  const c = buf[s] as number;
  return (c === MINUS || (c >= D0 && c <= D9)) && e > s && !isLongInteger(buf, s, e);
}

/** The token [s, e) is an integer literal of LONG_DIGITS or more digits (which decodeEvent quotes). */
function isLongInteger(buf: Uint8Array, s: number, e: number): boolean {
  const first = buf[s] === MINUS ? s + 1 : s;
  return e - first >= LONG_DIGITS && skipDigits(buf, first, e) === e;
}

/** The string content [s, e) matches /^-?\d+$/ (no escapes). */
function digitString(buf: Uint8Array, s: number, e: number): boolean {
  const first = buf[s] === MINUS ? s + 1 : s;
  return e > first && skipDigits(buf, first, e) === e;
}

/** The value of a valid number token, as JSON.parse reads it. */
function numberAt(buf: Uint8Array, s: number, e: number): number {
  // Up to 15 digits without fraction or exponent are exact as they are summed.
  const neg = buf[s] === MINUS;
  const first = neg ? s + 1 : s;
  if (e - first <= 15 && skipDigits(buf, first, e) === e) {
    let v = 0;
    for (let k = first; k < e; k++) v = v * 10 + ((buf[k] as number) - D0);
    return neg ? -v : v;
  }
  let text = '';
  for (let k = s; k < e; k++) text += String.fromCharCode(buf[k] as number);
  return Number(text);
}
