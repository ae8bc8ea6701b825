import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, withEmulator, type TestEmulator } from '../helpers/emulator.js';

/** One emulator serving two organisations: separate keys, fleets, streams and limits. */
describe('a multi-organisation emulator', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ organisations: ['acme', 'globex'] }, 'builtin');
  });
  afterAll(() => emu?.close());

  const as = (i: number) => {
    const o = emu.organisations[i]!;
    return { clientId: o.clientId, apiKey: o.apiKey };
  };

  it('gives each organisation its own client id, keys, org GUID and fleet', () => {
    const [a, b] = emu.organisations;
    expect(emu.organisations.map((o) => o.name)).toEqual(['acme', 'globex']);
    expect(a!.clientId).not.toBe(b!.clientId);
    expect(a!.apiKey).not.toBe(b!.apiKey);
    expect(a!.orgGuid).not.toBe(b!.orgGuid);
    expect(a!.fleet.groups.map((g) => g.guid)).not.toEqual(b!.fleet.groups.map((g) => g.guid));
    expect(emu.clientId).toBe(a!.clientId);
  });

  it('serves each organisation its own groups and rejects one org’s client id with another’s key', async () => {
    const groups = await apiRequest(emu, 'GET', '/v1/groups', as(1));
    expect(groups.status).toBe(200);
    expect((groups.body.data as { guid: string }[]).map((g) => g.guid).sort()).toEqual(
      emu.organisations[1]!.fleet.groups.map((g) => g.guid).sort(),
    );
    const mixed = await apiRequest(emu, 'GET', '/v1/groups', {
      clientId: emu.organisations[0]!.clientId,
      apiKey: emu.organisations[1]!.apiKey,
    });
    expect(mixed.status).toBe(401);
  });

  it('keeps streams apart, ids unique across organisations, and a 5-stream limit per organisation', async () => {
    const ids: number[] = [];
    for (const org of [0, 1])
      for (let i = 0; i < 5; i++) {
        const r = await apiRequest(emu, 'POST', '/v1/event_streams', { ...as(org), body: { name: `s${i}` } });
        expect(r.status).toBe(201);
        ids.push(r.body.data.id as number);
      }
    expect(new Set(ids).size).toBe(10);
    const sixth = await apiRequest(emu, 'POST', '/v1/event_streams', { ...as(0), body: { name: 's5' } });
    expect(sixth.status).toBe(400);
    const listA = await apiRequest(emu, 'GET', '/v1/event_streams', as(0));
    const listB = await apiRequest(emu, 'GET', '/v1/event_streams', as(1));
    expect((listA.body.data as { id: number }[]).map((s) => s.id)).toEqual(ids.slice(0, 5));
    expect((listB.body.data as { id: number }[]).map((s) => s.id)).toEqual(ids.slice(5));
    const foreign = await apiRequest(emu, 'GET', `/v1/event_streams/${ids[7]}`, as(0));
    expect(foreign.status).toBe(404);
  });
});
