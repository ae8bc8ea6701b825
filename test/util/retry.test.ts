import { describe, expect, it } from 'vitest';
import { AmpError, toAmpError } from '../../src/errors.js';
import { RetryPolicy, backoffDelay } from '../../src/util/retry.js';

const down = (): AmpError => new AmpError('SINK_UNAVAILABLE', 'down', { retryable: true });
const noSleep = async (): Promise<void> => {};

describe('the retry policy', () => {
  it('draws each wait below a ceiling that doubles up to the cap, never below the floor', () => {
    const top = { baseMs: 100, maxMs: 1000, minMs: 10, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { ...top, random: () => 0 })).toBe(10);
  });

  it("waits at least the destination's retryAfterMs", () => {
    const policy = new RetryPolicy({ baseMs: 100, maxMs: 100, random: () => 0.5 });
    const slow = new AmpError('SINK_UNAVAILABLE', 'busy', {
      retryable: true,
      details: { retryAfterMs: 5000 },
    });
    expect(policy.delay(0, slow)).toBe(5000);
    expect(policy.delay(0, down())).toBe(50);
  });

  it('logs a streak at its first retry and then every n-th', () => {
    const policy = new RetryPolicy({ logEvery: 10 });
    expect([0, 1, 9, 10, 11, 20].map((r) => policy.loud(r))).toEqual([true, false, false, true, false, true]);
    expect(new RetryPolicy().loud(7)).toBe(true);
  });

  it('retries a retryable failure until it succeeds, telling the caller about every wait', async () => {
    const policy = new RetryPolicy({ sleep: noSleep, random: () => 0 });
    const notices: number[] = [];
    let calls = 0;
    const outcome = await policy.run(
      async () => {
        calls++;
        if (calls < 3) throw down();
        return 'ok';
      },
      { toError: toAmpError, onRetry: (n) => notices.push(n.attempt) },
    );
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(notices).toEqual([1, 2]);
  });

  it('gives up at once on a failure that is not retryable, and after maxAttempts on one that is', async () => {
    const policy = new RetryPolicy({ sleep: noSleep, maxAttempts: 3 });
    let calls = 0;
    const refused = new AmpError('SINK_AUTH', 'no');
    const once = await policy.run(
      async () => {
        calls++;
        throw refused;
      },
      { toError: toAmpError },
    );
    expect(once).toEqual({ ok: false, error: refused, aborted: false });
    expect(calls).toBe(1);
    calls = 0;
    const three = await policy.run(
      async () => {
        calls++;
        throw down();
      },
      { toError: toAmpError },
    );
    expect(three).toMatchObject({ ok: false, aborted: false, error: { code: 'SINK_UNAVAILABLE' } });
    expect(calls).toBe(3);
  });

  it('ends a long wait when its signal aborts, and starts no further attempt', async () => {
    const policy = new RetryPolicy({ baseMs: 3_600_000, maxMs: 3_600_000, minMs: 3_600_000 });
    const stop = new AbortController();
    let calls = 0;
    const outcome = await policy.run(
      async () => {
        calls++;
        throw down();
      },
      { signal: stop.signal, toError: toAmpError, onRetry: () => stop.abort() },
    );
    expect(outcome).toMatchObject({ ok: false, aborted: true, error: { code: 'SINK_UNAVAILABLE' } });
    expect(calls).toBe(1);
  });
});
