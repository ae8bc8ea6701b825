import { timingSafeEqual } from 'node:crypto';
import type { EmulatorCredentials } from '../types.js';

/**
 * HTTP Basic authentication with one client id and two API keys (read & write, read-only),
 * and the per-key hourly request budget (docs/secure-endpoint-api.md §1.2, §1.5).
 *
 * Rate-limit headers, on every response, in the spelling live responses use:
 *   x-ratelimit-limit      requests allowed per window
 *   x-ratelimit-remaining  requests left in the current window
 *   x-ratelimit-reset      seconds until the window resets
 *   x-ratelimit-resetdate  the reset instant, ISO 8601 (UTC, seconds)
 * A window starts with a key's first request and lasts an hour; over budget → 429.
 */

export type Scope = 'read-write' | 'read-only';

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

export function parseBasicAuth(header: string | undefined | null): BasicCredentials | undefined {
  if (header === undefined || header === null) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The scope of a presented credential, or undefined when unknown. */
export function scopeOf(creds: BasicCredentials | undefined, known: EmulatorCredentials): Scope | undefined {
  if (creds === undefined || !same(creds.user, known.clientId)) return undefined;
  if (same(creds.password, known.apiKey)) return 'read-write';
  if (same(creds.password, known.readOnlyApiKey)) return 'read-only';
  return undefined;
}

/** One hour, the cloud's rate-limit period */
export const RATE_WINDOW_MS = 3_600_000;
/** (default) requests per hour per key, the value live responses show */
export const DEFAULT_RATE_LIMIT_PER_HOUR = 3000;

export interface RateDecision {
  readonly allowed: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

/** Buckets kept before expired ones are dropped (unknown client ids each get one) */
const MAX_BUCKETS = 1000;

export class RateLimiter {
  readonly #buckets = new Map<string, { start: number; used: number }>();

  constructor(
    readonly limitPerHour: number,
    readonly clock: () => number = Date.now,
    /** (default=1 h, Cisco's window) shorter only in tests that wait a window out */
    readonly windowMs: number = RATE_WINDOW_MS,
  ) {}

  /** Count one request for `key` (unless over budget) and say whether it may proceed. */
  take(key: string): RateDecision {
    const now = this.clock();
    if (this.#buckets.size >= MAX_BUCKETS) this.#prune(now);
    let b = this.#buckets.get(key);
    if (b === undefined || now - b.start >= this.windowMs) {
      b = { start: now, used: 0 };
      this.#buckets.set(key, b);
    }
    const allowed = b.used < this.limitPerHour;
    if (allowed) b.used++;
    const resetAt = b.start + this.windowMs;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(this.limitPerHour),
        'x-ratelimit-remaining': String(Math.max(0, this.limitPerHour - b.used)),
        'x-ratelimit-reset': String(Math.max(0, Math.ceil((resetAt - now) / 1000))),
        'x-ratelimit-resetdate': new Date(resetAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  }

  #prune(now: number): void {
    for (const [key, b] of this.#buckets) if (now - b.start >= this.windowMs) this.#buckets.delete(key);
  }
}
