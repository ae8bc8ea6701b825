import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, apiRequest, createStreamViaRest, withEmulator } from '../helpers/emulator.js';

const RATE_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-resetdate',
];

describe('authentication and scopes', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 12 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('answers 401 "Unknown API key or Client ID" to a wrong key, a wrong client id and no credentials', async () => {
    const cases = [
      await apiRequest(emu, 'GET', '/v1/version', { apiKey: 'not-the-key' }),
      await apiRequest(emu, 'GET', '/v1/version', { clientId: 'someone-else' }),
    ];
    const bare = await request(`${emu.apiUrl}/v1/version`, { dispatcher: emu.dispatcher });
    expect(bare.statusCode).toBe(401);
    expect(JSON.parse(await bare.body.text()).errors[0].details).toEqual(['Unknown API key or Client ID']);
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        version: 'v1.2.0',
        data: {},
        errors: [{ error_code: 401, description: 'Unauthorized', details: ['Unknown API key or Client ID'] }],
      });
      for (const h of RATE_HEADERS) expect(res.headers[h], h).toBeDefined();
    }
  });

  it('lets a read-only key read but answers 403 to POST, PATCH and DELETE', async () => {
    const ro = { apiKey: emu.readOnlyApiKey };
    const stream = await createStreamViaRest(emu, { name: `ro ${randomUUID()}` });
    expect((await apiRequest(emu, 'GET', '/v1/event_streams', ro)).status).toBe(200);
    expect((await apiRequest(emu, 'GET', `/v1/event_streams/${stream.id}`, ro)).status).toBe(200);
    const writes = [
      await apiRequest(emu, 'POST', '/v1/event_streams', { ...ro, body: { name: 'nope' } }),
      await apiRequest(emu, 'PATCH', `/v1/event_streams/${stream.id}`, { ...ro, body: { name: 'nope' } }),
      await apiRequest(emu, 'DELETE', `/v1/event_streams/${stream.id}`, ro),
    ];
    for (const res of writes) {
      expect(res.status).toBe(403);
      expect(res.body.errors[0]).toMatchObject({ error_code: 403, description: 'Forbidden' });
      expect(res.body.errors[0].details[0]).toContain('read-only');
    }
    const still = await apiRequest(emu, 'GET', `/v1/event_streams/${stream.id}`);
    expect(still.body.data.name).toBe(stream.name);
    await apiRequest(emu, 'DELETE', `/v1/event_streams/${stream.id}`);
  });

  it('sends the rate-limit headers on every response and counts down per request', async () => {
    const a = await apiRequest(emu, 'GET', '/v1/version');
    const b = await apiRequest(emu, 'GET', '/v1/version');
    expect(a.headers['x-ratelimit-limit']).toBe('3000');
    expect(Number(b.headers['x-ratelimit-remaining'])).toBe(Number(a.headers['x-ratelimit-remaining']) - 1);
    expect(Number(a.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(a.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(3600);
    expect(a.headers['x-ratelimit-resetdate']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const missing = await apiRequest(emu, 'GET', '/v1/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-ratelimit-remaining']).toBeDefined();
  });
});

describe('rate limit', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 13, rateLimitPerHour: 3 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('answers 429 with the error envelope and headers once the hourly budget is used', async () => {
    for (let i = 0; i < 3; i++) expect((await apiRequest(emu, 'GET', '/v1/version')).status).toBe(200);
    const res = await apiRequest(emu, 'GET', '/v1/version');
    expect(res.status).toBe(429);
    expect(res.body.errors[0]).toMatchObject({ error_code: 429, description: 'Too Many Requests' });
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    // the budget is per key: the read-only key still has its own
    expect((await apiRequest(emu, 'GET', '/v1/version', { apiKey: emu.readOnlyApiKey })).status).toBe(200);
  });
});
