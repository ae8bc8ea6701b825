import { createHash } from 'node:crypto';
import type { DecodedEvent } from './types.js';

/**
 * The stable key of an event: what dedup remembers, what the keyed sinks (postgres
 * `event_id`, NATS `Nats-Msg-Id`) use to make a repeat harmless, and the `eventId` of a dead
 * letter.
 *
 * - An event with an `id` (most kinds): the id, as a decimal string.
 * - An event without one (Secure Endpoint sends some kinds without `id`, e.g. SecureX threat
 *   hunting incidents): a key derived from the **SHA-256 of the message bytes**, written as a
 *   decimal integer at or above 2^64: 2^64 + the first 63 bits of the hash.
 *
 * Why the bytes and not the event's own fields (`threat_hunting.incident_report_guid`…): only
 * some id-less kinds carry such a field, and what makes a repeat harmless is recognising a
 * *redelivery* (after a reconnect or a crash), which is the same bytes by definition; an
 * incident that Cisco sends again with different content is a different record. Why a number
 * at or above 2^64: Cisco ids are 64-bit integers, so no real id can equal a derived key, and
 * a 20-digit decimal still fits the postgres `numeric(20,0)` key column and every place an id
 * goes. Collisions need two different id-less events with equal 63-bit hash prefixes
 * (about 1 in 10^19 per pair).
 */

const BASE = 1n << 64n;
const keys = new WeakMap<Buffer, string>();

/** 2^64 + the first 63 bits of SHA-256(raw), in decimal. */
export function derivedKey(raw: Buffer): string {
  let key = keys.get(raw);
  if (key === undefined) {
    const h = createHash('sha256').update(raw).digest();
    key = (BASE + (h.readBigUInt64BE(0) >> 1n)).toString();
    keys.set(raw, key);
  }
  return key;
}

/** The event's id, or the key derived from its bytes when it has none. */
export function eventKey(e: DecodedEvent): string {
  return e.event.id ?? derivedKey(e.raw);
}

/** A derived key (an event without `id`), not a Cisco id. */
export function isDerivedKey(key: string): boolean {
  return key.length >= 20 && BigInt(key) >= BASE;
}
