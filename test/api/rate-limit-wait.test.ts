import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { withEmulator, type TestEmulator } from '../helpers/emulator.js';

/**
 * Waiting out a 429 against the emulator's real HTTPS API: a budget of 2 requests per 2 s
 * window (the real window is an hour), so the client's wait per `x-ratelimit-reset` can be
 * seen end to end rather than with an injected clock.
 */

const WINDOW_MS = 2_000;
let emu: TestEmulator;

beforeAll(async () => {
  emu = await withEmulator({ seed: 21, rateLimitPerHour: 2, rateLimitWindowMs: WINDOW_MS });
});
afterAll(async () => {
  await emu?.close();
});

describe('rate limit against the emulator', () => {
  it('waits until x-ratelimit-reset after a 429 and then succeeds, when the wait is allowed', async () => {
    const c = new SecureEndpointClient({
      baseUrl: emu.apiUrl,
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      ca: emu.caPem,
      maxRateLimitWaitMs: 10_000,
    });
    try {
      await c.version();
      await c.version();
      expect(c.rateLimit?.remaining).toBe(0);
      const t0 = performance.now();
      const v = await c.version(); // the 3rd request of the window: 429, wait, retry
      const waited = performance.now() - t0;
      expect(v).toMatch(/^v1\./);
      expect(waited).toBeGreaterThan(500); // it did wait for the window…
      expect(waited).toBeLessThan(WINDOW_MS + 3_000); // …and not much longer than the reset
      expect(c.rateLimit?.remaining).toBe(1); // a fresh window, one request used
    } finally {
      await c.close();
    }
  });
});
