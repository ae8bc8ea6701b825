import type { DecodedEvent, SecureEndpointEvent } from './types.js';

/**
 * Lossless decoding of one stream message body.
 *
 * Cisco event ids are 64-bit integers above 2^53 (e.g. 6533241145273614339) and `JSON.parse`
 * rounds them. Node 20's JSON.parse has no reviver access to the source text, so before
 * parsing, every integer literal of 16 or more digits *outside strings* is turned into a
 * JSON string. Integers that long are ids in this data (timestamps have 10 digits, NTSTATUS
 * error codes 10, event type ids 10); 15 digits and fewer are always exact in a double.
 * Then the native parser does the rest, which is several times faster than a JSON parser
 * written in JavaScript. Messages without any long literal skip the rewrite entirely.
 */

/** Why a message is not an event: the dead-letter reason. */
export type PoisonReason =
  | { readonly kind: 'not-utf8' }
  | { readonly kind: 'not-json'; readonly message: string }
  | { readonly kind: 'not-an-object' }
  | { readonly kind: 'missing-field'; readonly field: string }
  | { readonly kind: 'bad-field'; readonly field: string; readonly expected: string };

export type DecodeResult =
  | { readonly ok: true; readonly value: DecodedEvent }
  | { readonly ok: false; readonly reason: PoisonReason };

// A JSON string token, or an integer of 16+ digits standing as a value (preceded by
// `:`, `[` or `,` and optional whitespace, followed by a delimiter). Strings are matched
// first so digits inside them are never touched.
const LONG_INT = /"(?:[^"\\]|\\.)*"|(?<=[:[,]\s*)-?\d{16,}(?=\s*[,\]}])/g;

/** Quick test so most messages skip the regex rewrite: does any run of 16 digits exist? */
const HAS_LONG_DIGITS = /\d{16}/;

export function quoteLongIntegers(text: string): string {
  if (!HAS_LONG_DIGITS.test(text)) return text;
  return text.replace(LONG_INT, (m) => (m.charCodeAt(0) === 0x22 ? m : `"${m}"`));
}

/** Parse JSON text losslessly: long integers become decimal strings. Throws SyntaxError. */
export function parseLossless(text: string): unknown {
  return JSON.parse(quoteLongIntegers(text));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function decodeEvent(raw: Buffer): DecodeResult {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    return { ok: false, reason: { kind: 'not-utf8' } };
  }
  let parsed: unknown;
  try {
    parsed = parseLossless(text);
  } catch (e) {
    return { ok: false, reason: { kind: 'not-json', message: (e as Error).message } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: { kind: 'not-an-object' } };
  }
  const obj = parsed as Record<string, unknown>;
  const idCheck = normaliseId(obj);
  if (idCheck !== undefined) return { ok: false, reason: idCheck };
  if (typeof obj['event_type_id'] !== 'number') {
    return obj['event_type_id'] === undefined
      ? { ok: false, reason: { kind: 'missing-field', field: 'event_type_id' } }
      : { ok: false, reason: { kind: 'bad-field', field: 'event_type_id', expected: 'integer' } };
  }
  if (typeof obj['timestamp'] !== 'number') {
    return obj['timestamp'] === undefined
      ? { ok: false, reason: { kind: 'missing-field', field: 'timestamp' } }
      : { ok: false, reason: { kind: 'bad-field', field: 'timestamp', expected: 'integer' } };
  }
  if (typeof obj['event_type'] !== 'string') obj['event_type'] = '';
  if (typeof obj['date'] !== 'string') obj['date'] = new Date(obj['timestamp'] * 1000).toISOString();
  return { ok: true, value: { raw, event: obj as unknown as SecureEndpointEvent } };
}

/** `id` must be an integer; short ones arrive as numbers and are turned into strings. */
function normaliseId(obj: Record<string, unknown>): PoisonReason | undefined {
  const id = obj['id'];
  if (id === undefined) return { kind: 'missing-field', field: 'id' };
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
