/**
 * Rate-limit headers (docs/secure-endpoint-api.md §1.5). The docs name them `X-Rate-Limit-Limit`,
 * `X-Rate-Limit-Remaining`, `X-Rate-Limit-Reset` (seconds until reset); live responses send
 *
 *   x-ratelimit-limit: 3000
 *   x-ratelimit-remaining: 2796
 *   x-ratelimit-reset: 875
 *   x-ratelimit-resetdate: 2022-03-18T11:55:11Z
 *
 * Both spellings are read, case-insensitively. `Retry-After` (seconds or an HTTP date) is
 * not documented for v1 but honoured if present.
 */
export interface RateLimitInfo {
  /** requests allowed in the current period */
  readonly limit?: number;
  readonly remaining?: number;
  /** seconds until the period resets, as sent */
  readonly resetSeconds?: number;
  /** when the period resets: `-resetdate` if sent, else now + reset seconds */
  readonly resetAt?: Date;
  /** when these headers were received */
  readonly observedAt: Date;
}

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderBag, names: readonly string[]): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (!names.includes(key.toLowerCase())) continue;
    const v = Array.isArray(value) ? (value as readonly string[])[0] : (value as string | undefined);
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function date(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** undefined when the response carries no rate-limit header at all. */
export function parseRateLimitHeaders(headers: HeaderBag, now: Date): RateLimitInfo | undefined {
  const limit = int(header(headers, ['x-ratelimit-limit', 'x-rate-limit-limit']));
  const remaining = int(header(headers, ['x-ratelimit-remaining', 'x-rate-limit-remaining']));
  const resetSeconds = int(header(headers, ['x-ratelimit-reset', 'x-rate-limit-reset']));
  const resetDate = date(header(headers, ['x-ratelimit-resetdate', 'x-rate-limit-resetdate']));
  if (
    limit === undefined &&
    remaining === undefined &&
    resetSeconds === undefined &&
    resetDate === undefined
  ) {
    return undefined;
  }
  // x-ratelimit-resetdate has whole seconds (truncated), so it can name an instant up to 1 s
  // before the real reset; when both headers came, the later of the two is the safe one (a
  // retry at the earlier one met another 429: seen against the emulator's 2 s window)
  const fromSeconds = resetSeconds === undefined ? undefined : new Date(now.getTime() + resetSeconds * 1000);
  const resetAt =
    resetDate === undefined || fromSeconds === undefined
      ? (resetDate ?? fromSeconds)
      : new Date(Math.max(resetDate.getTime(), fromSeconds.getTime()));
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetSeconds === undefined ? {} : { resetSeconds }),
    ...(resetAt === undefined ? {} : { resetAt }),
    observedAt: now,
  };
}

/** `Retry-After`: delta-seconds or an HTTP date → ms to wait (undefined when absent/invalid). */
export function retryAfterMs(headers: HeaderBag, now: Date): number | undefined {
  const v = header(headers, ['retry-after']);
  if (v === undefined) return undefined;
  const secs = int(v);
  if (secs !== undefined) return secs * 1000;
  const d = date(v);
  return d === undefined ? undefined : Math.max(0, d.getTime() - now.getTime());
}

/**
 * How long to wait before retrying a 429: until the reset time (from either header spelling or
 * Retry-After), or undefined when the response says nothing about it.
 */
export function rateLimitWaitMs(
  info: RateLimitInfo | undefined,
  headers: HeaderBag,
  now: Date,
): number | undefined {
  const retryAfter = retryAfterMs(headers, now);
  if (retryAfter !== undefined) return retryAfter;
  if (info?.resetAt === undefined) return undefined;
  return Math.max(0, info.resetAt.getTime() - now.getTime());
}
