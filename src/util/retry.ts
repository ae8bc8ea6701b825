/**
 * The one retry policy (docs/architecture.md, Retry policy): capped exponential backoff with
 * full jitter, the destination's `retryAfterMs` honoured, which failures are retried, how many
 * attempts, how often a streak of failures is logged, and a wait that a stop cuts short.
 * Each user configures its own instance (the API client, a route, the dead-letter file, a sink
 * start, the AMQP reconnect); the loops around it keep only what is theirs.
 *
 * Backoff: delay = random(0, min(cap, base * 2^attempt)), never below `minMs` ("Exponential
 * Backoff And Jitter", AWS Architecture Blog, 2015). Full jitter spreads reconnect storms best.
 */
/**
 * What the policy needs to know of a failure: whether it is worth another attempt and how long
 * the destination asked to wait. An `AmpError` is one (util/ does not import errors.ts, its
 * sibling on the lowest floor).
 */
export interface RetryableFailure {
  readonly retryable: boolean;
  readonly details: { readonly retryAfterMs?: number | undefined };
}

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

export interface RetryPolicyOptions extends BackoffOptions {
  /** (default=unlimited) attempts in all, the first one included */
  readonly maxAttempts?: number;
  /** (default=1: every retry) a streak is logged at its first retry, then at every n-th */
  readonly logEvery?: number;
  /** (default=the error's own `retryable`) which failures are worth another attempt */
  readonly retryable?: (err: RetryableFailure) => boolean;
  /** (default=`sleep` below) injected for tests */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
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

/** How a `RetryPolicy.run` ended: a value, or the last error (`aborted` when a stop ended it). */
export type RetryOutcome<T, E> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly aborted: boolean };

/** One retry about to wait, for the caller's log line (`loud`: this one is worth logging). */
export interface RetryNotice<E> {
  readonly error: E;
  /** the attempt that failed, from 1 */
  readonly attempt: number;
  readonly delayMs: number;
  readonly loud: boolean;
}

export interface RetryRun<E extends RetryableFailure> {
  /** a stop (drain, close): cuts a wait short and starts no further attempt */
  readonly signal?: AbortSignal;
  /** what a thrown value means (`toAmpError`); may rethrow what is no failure to retry */
  readonly toError: (e: unknown) => E;
  /** (default=`RetryPolicy.next`) the wait after a failed attempt, or undefined to give up */
  readonly next?: (err: E, attempt: number) => number | undefined;
  readonly onRetry?: (notice: RetryNotice<E>) => void;
}

export class RetryPolicy {
  readonly #o: RetryPolicyOptions;

  constructor(options: RetryPolicyOptions = {}) {
    this.#o = options;
  }

  /** The wait before retry number `retry` (0 for the first), at least the error's `retryAfterMs`. */
  delay(retry: number, err?: RetryableFailure): number {
    return Math.max(err?.details.retryAfterMs ?? 0, backoffDelay(retry, this.#o));
  }

  /** Whether this failure is worth another attempt at all (attempts aside). */
  retryable(err: RetryableFailure): boolean {
    return this.#o.retryable?.(err) ?? err.retryable;
  }

  /** The wait after attempt `attempt` (from 1) failed with `err`, or undefined: give up. */
  next(err: RetryableFailure, attempt: number): number | undefined {
    if (attempt >= (this.#o.maxAttempts ?? Number.POSITIVE_INFINITY) || !this.retryable(err))
      return undefined;
    return this.delay(attempt - 1, err);
  }

  /** Whether retry number `retry` (0 for the first) of a streak should be logged. */
  loud(retry: number): boolean {
    return retry % (this.#o.logEvery ?? 1) === 0;
  }

  /** Wait `ms`, cut short by `signal`; resolves false when the signal ended the wait. */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    await (this.#o.sleep ?? sleep)(ms, signal);
    return signal?.aborted !== true;
  }

  /**
   * Call `fn` until it resolves, fails for good (`next` gives up) or `signal` stops it: a stop
   * ends the wait at once and no retry starts after it. Never rejects with `fn`'s failures:
   * they come back in the outcome.
   */
  async run<T, E extends RetryableFailure>(
    fn: (attempt: number) => Promise<T>,
    run: RetryRun<E>,
  ): Promise<RetryOutcome<T, E>> {
    let last: E;
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await fn(attempt) };
      } catch (e) {
        last = run.toError(e);
      }
      const delayMs = run.next === undefined ? this.next(last, attempt) : run.next(last, attempt);
      if (delayMs === undefined) return { ok: false, error: last, aborted: false };
      if (run.signal?.aborted === true) return { ok: false, error: last, aborted: true };
      run.onRetry?.({ error: last, attempt, delayMs, loud: this.loud(attempt - 1) });
      if (!(await this.wait(delayMs, run.signal))) return { ok: false, error: last, aborted: true };
    }
  }
}
