import { isUtf8 } from 'node:buffer';
import { AmpError } from '../errors.js';
import {
  checkLimits,
  decodeEvent,
  MAX_TIMESTAMP_SECONDS,
  describePoison,
  isJsonWhitespace,
  LONG_DIGITS,
  type PoisonReason,
} from '../event/decode.js';
import type { DecodedEvent, SecureEndpointEvent } from '../event/types.js';

/**
 * The pipeline's fast path on top of `decodeEvent` (src/event/decode.ts): for pipelines
 * that only forward the original bytes (raw format, no filter, no dedup), `checkBody` gives
 * the same verdict as `decodeEvent` with one native `JSON.parse`, and the lossless event is
 * built only if something reads it (`LazyDecodedEvent`). test/pipeline/decode.test.ts holds
 * the two to the same answers.
 */

const MINUS = 0x2d;
const D0 = 0x30;
const D9 = 0x39;

/** Doubles at or above this may have come from a 16+ digit literal (which the lossless parse quotes). */
const MAYBE_LONG = 1e15;

export type CheckResult =
  { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: PoisonReason };

/**
 * Is this body an event? The same verdict as `decodeEvent`, without building the lossless
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
  const beyond = checkLimits(raw);
  if (beyond !== undefined) return { ok: false, reason: beyond };
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
    Math.abs(ts) <= MAX_TIMESTAMP_SECONDS &&
    typeof typeId === 'number' &&
    Math.abs(typeId) < MAYBE_LONG &&
    ((typeof id === 'number' && (Number.isSafeInteger(id) || idLiteralMatches(text, id))) ||
      (typeof id === 'string' && /^-?\d+$/.test(id)));
  if (simple) return { ok: true, timestamp: ts };
  const full = decodeEvent(raw);
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
  while (i < n && isJsonWhitespace(text.charCodeAt(i))) i++;
  const start = i;
  if (text.charCodeAt(i) === MINUS) i++;
  const firstDigit = i;
  while (i < n && text.charCodeAt(i) >= D0 && text.charCodeAt(i) <= D9) i++;
  if (i - firstDigit < LONG_DIGITS) return false;
  const end = i;
  while (i < n && isJsonWhitespace(text.charCodeAt(i))) i++;
  const next = text.charCodeAt(i);
  return (next === 0x2c || next === 0x7d || next === 0x5d) && Number(text.slice(start, end)) === id;
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
      const r = decodeEvent(this.raw);
      // checkBody accepted these bytes, so decodeEvent does too (same rules; tested).
      if (!r.ok)
        throw new AmpError('INTERNAL', `event decode disagreed with its check: ${describePoison(r.reason)}`);
      this.#event = r.value.event;
    }
    return this.#event;
  }
}
