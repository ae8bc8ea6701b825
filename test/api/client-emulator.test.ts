import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { detectRegion } from '../../src/api/detect-region.js';
import { listAll } from '../../src/api/pagination.js';
import type { AmpError } from '../../src/errors.js';
import { withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { failure } from '../helpers/failure.js';

/** The client over real HTTPS against the local emulator, trusting its CA. */

let emu: TestEmulator;
let other: TestEmulator;

beforeAll(async () => {
  [emu, other] = await Promise.all([
    withEmulator({ seed: 7 }),
    withEmulator({ seed: 8, rateLimitPerHour: 3 }),
  ]);
});
afterAll(async () => {
  await Promise.all([emu?.close(), other?.close()]);
});

function client(
  options: Partial<ConstructorParameters<typeof SecureEndpointClient>[0]> = {},
): SecureEndpointClient {
  return new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
    ...options,
  });
}

describe('against the emulator over HTTPS', () => {
  it('checks credentials with /v1/version and records the rate-limit headers', async () => {
    const c = client();
    expect(await c.version()).toBe('v1.2.0');
    expect(c.rateLimit?.limit).toBeGreaterThan(0);
    expect(c.rateLimit?.remaining).toBeGreaterThanOrEqual(0);
    expect(c.rateLimit?.resetAt).toBeInstanceOf(Date);
    await c.close();
  });

  it('refuses the emulator certificate without its CA, with a --ca hint', async () => {
    const c = new SecureEndpointClient({
      baseUrl: emu.apiUrl,
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      retry: { maxAttempts: 1 },
    });
    const e = await failure(c.version());
    expect(e.code).toBe('API_NETWORK');
    expect(e.hint).toContain('--ca');
    await c.close();
  });

  it('connects without verification only with insecure, and says so loudly', async () => {
    const warnings: string[] = [];
    const logger = {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
      debug: () => undefined,
    } as never;
    const c = new SecureEndpointClient({
      baseUrl: emu.apiUrl,
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      insecure: true,
      logger,
    });
    expect(await c.version()).toBe('v1.2.0');
    expect(warnings.join('\n')).toMatch(/VERIFICATION IS DISABLED/);
    await c.close();
  });

  it('pages through groups and events; event ids stay exact', async () => {
    const c = client();
    const all = await listAll(c.groups());
    const paged = await listAll(c.groups({ limit: 1 }));
    expect(paged.map((g) => g.guid)).toEqual(all.map((g) => g.guid));
    expect(all.length).toBeGreaterThan(1);
    const published = await emu.publish(7);
    const events = await listAll(c.events({ limit: 3 }));
    const ids = new Set(events.map((e) => e.id));
    for (const p of published) expect(ids.has(p.id)).toBe(true);
    expect(published.some((p) => BigInt(p.id!) > 2n ** 53n)).toBe(true);
    await c.close();
  });

  it('lists computers by group and reads one by GUID', async () => {
    const c = client();
    const [group] = await listAll(c.groups());
    const all = await listAll(c.computers({ limit: 5 }));
    expect(all.length).toBeGreaterThan(0);
    const inGroup = await listAll(c.computers({ groupGuids: [group!.guid] }));
    expect(inGroup.every((m) => m.group_guid === undefined || m.group_guid === group!.guid)).toBe(true);
    const one = await c.computer(all[0]!.connector_guid);
    expect(one.connector_guid).toBe(all[0]!.connector_guid);
    await c.close();
  });

  it('creates, reads, updates and deletes a stream; the password comes only with the create', async () => {
    const c = client();
    const created = await c.createEventStream({ name: `crud-${Date.now()}`, eventTypes: [1090519054] });
    expect(created.status).toBe('created');
    const id = created.stream.id;
    expect(created.stream.amqp_credentials.password).toMatch(/^[0-9a-f]{40}$/);
    const got = await c.eventStream(id);
    expect(got.amqp_credentials.password ?? undefined).toBeUndefined();
    expect(got.event_types).toEqual([1090519054]);
    expect(typeof got.amqp_credentials.port).toBe('string');
    const patched = await c.updateEventStream(id, { eventTypes: [] });
    expect(patched.event_types ?? []).toEqual([]);
    await c.deleteEventStream(id);
    const e = await failure(c.eventStream(id));
    expect(e.code).toBe('API_NOT_FOUND');
    expect(e.message).toContain('Event stream not found');
    await c.close();
  });

  it('maps a wrong key to API_UNAUTHORIZED and a read-only key to API_FORBIDDEN on writes', async () => {
    const bad = client({ apiKey: 'not-a-key' });
    expect((await failure(bad.version())).code).toBe('API_UNAUTHORIZED');
    const ro = client({ apiKey: emu.readOnlyApiKey });
    expect((await ro.eventStreams()).length).toBeGreaterThanOrEqual(0);
    const e = await failure(ro.createEventStream({ name: 'ro' }));
    expect(e.code).toBe('API_FORBIDDEN');
    expect(e.exitCode).toBe(77);
    await Promise.all([bad.close(), ro.close()]);
  });

  it('reports a 429 with the reset time when the wait is longer than allowed', async () => {
    const c = new SecureEndpointClient({
      baseUrl: other.apiUrl,
      clientId: other.clientId,
      apiKey: other.apiKey,
      ca: other.caPem,
      maxRateLimitWaitMs: 1000,
    });
    let e: AmpError | undefined;
    for (let i = 0; i < 5 && e === undefined; i++)
      e = await c.version().then(
        () => undefined,
        (x: AmpError) => x,
      );
    expect(e?.code).toBe('API_RATE_LIMITED');
    expect(e?.hint).toMatch(/rate limited until \d{4}-\d\d-\d\dT/);
    expect(c.rateLimit?.remaining).toBe(0);
    await c.close();
  });

  it('finds the region whose host does not answer 401', async () => {
    const found = await detectRegion(emu.clientId, emu.apiKey, {
      ca: `${emu.caPem}\n${other.caPem}`,
      candidates: [
        { region: 'nam', baseUrl: other.apiUrl },
        { region: 'eu', baseUrl: emu.apiUrl },
      ],
    });
    expect(found).toMatchObject({ region: 'eu', baseUrl: emu.apiUrl, version: 'v1.2.0' });
    const none = await failure(
      detectRegion('nobody', 'nothing', {
        ca: emu.caPem,
        candidates: [{ region: 'eu', baseUrl: emu.apiUrl }],
      }),
    );
    expect(none.code).toBe('API_UNAUTHORIZED');
  });
});
