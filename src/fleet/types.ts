/**
 * Replicas (docs/leases.md): N copies of `ampstream run` on one config share its streams through
 * leases in PostgreSQL. One lease per configured stream, keyed by (organisation, stream id); one
 * heartbeat row per live replica.
 */

/** The organisation name used when a stream names none. */
export { DEFAULT_ORG } from '../config/schema.js';

export interface LeaseKey {
  /** the organisation's name (`default` when the config names none) */
  readonly org: string;
  /** the stream's id (else its label) */
  readonly stream: string;
}

export const keyString = (k: LeaseKey): string => `${k.org}/${k.stream}`;

/** A lease this replica holds: `term` rises by one at every acquisition (the fencing token). */
export interface HeldLease {
  readonly key: LeaseKey;
  readonly term: number;
}

/** Why a replica stops consuming a stream. */
export type LossReason =
  /** the replica aims at fewer streams now that more replicas are live: drain, then release */
  | 'rebalance'
  /** the replica is stopping: drain, then release */
  | 'shutdown'
  /** no renewal for leaseSeconds minus a margin, or the store says another replica holds it: stop at once */
  | 'expired';

export interface LeaseTimings {
  /** a lease not renewed for this long may be taken by another replica, in ms */
  readonly leaseMs: number;
  /** renew, heartbeat and look for free streams this often, in ms */
  readonly renewMs: number;
}

/**
 * The holder stops consuming when its last successful renewal was sent this long ago: the lease
 * minus one renewal period and one second, so the consumer is closed (unacked deliveries back in
 * the queue) before the lease can expire in the store.
 */
export function fenceAfterMs(t: LeaseTimings): number {
  return t.leaseMs - t.renewMs - 1_000;
}
