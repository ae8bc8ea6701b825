/**
 * Capped exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS
 * Architecture Blog, 2015): delay = random(0, min(cap, base * 2^attempt)).
 * Full jitter spreads reconnect storms best; `minMs` keeps a floor so a retry is never instant.
 */
export interface BackoffOptions {
  /** (default=500) first ceiling, in ms */
  readonly baseMs?: number;
  /** (default=30_000) largest ceiling, in ms */
  readonly maxMs?: number;
  /** (default=0) smallest delay, in ms */
  readonly minMs?: number;
  /** (default=Math.random) injected for tests */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 30_000; // 30 s

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const cap = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const min = options.minMs ?? 0;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.max(min, Math.floor(random() * ceiling));
}

/** A sleep that an AbortSignal can cut short (resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
