import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLossless } from '../../src/event/decode.js';
import { type TestEmulator, apiRequest, withEmulator } from '../helpers/emulator.js';

const THREAT_DETECTED = 1090519054;
const POLICY_UPDATE = 553648130;

let emu: TestEmulator;
beforeAll(async () => {
  emu = await withEmulator({ seed: 14 });
});
afterAll(async () => {
  await emu?.close();
});

describe('organisation endpoints', () => {
  it('answers /v1/version with the v1.2.0 envelope', async () => {
    const res = await apiRequest(emu, 'GET', '/v1/version');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      version: 'v1.2.0',
      metadata: { links: { self: `${emu.apiUrl}/v1/version` } },
      data: {},
    });
  });

  it('lists event types with id, name and description', async () => {
    const res = await apiRequest(emu, 'GET', '/v1/event_types');
    expect(res.body.metadata.results.total).toBe(res.body.data.length);
    expect(res.body.data).toContainEqual({
      id: THREAT_DETECTED,
      name: 'Threat Detected',
      description: expect.any(String),
    });
  });

  it('lists groups, filters them by name and pages through them', async () => {
    const all = await apiRequest(emu, 'GET', '/v1/groups');
    expect(all.body.data.map((g: { name: string }) => g.name)).toEqual(emu.fleet.groups.map((g) => g.name));
    expect(all.body.data[0]).toEqual({
      name: emu.fleet.groups[0]!.name,
      description: expect.any(String),
      guid: emu.fleet.groups[0]!.guid,
      source: null,
      links: { group: `${emu.apiUrl}/v1/groups/${emu.fleet.groups[0]!.guid}` },
    });
    const named = await apiRequest(emu, 'GET', '/v1/groups?name=protect');
    expect(named.body.data).toHaveLength(1);
    expect(named.body.data[0].name).toBe('Protect');
    const p1 = await apiRequest(emu, 'GET', '/v1/groups?limit=3');
    expect(p1.body.data).toHaveLength(3);
    expect(p1.body.metadata.results).toEqual({
      total: 4,
      current_item_count: 3,
      index: 0,
      items_per_page: 3,
    });
    expect(p1.body.metadata.links.prev).toBeUndefined();
    const next = new URL(p1.body.metadata.links.next as string);
    const p2 = await apiRequest(emu, 'GET', `${next.pathname}${next.search}`);
    expect(p2.body.data).toHaveLength(1);
    expect(p2.body.metadata.links.next).toBeUndefined();
    expect(p2.body.metadata.links.prev).toContain('offset=0');
    const one = await apiRequest(emu, 'GET', `/v1/groups/${emu.fleet.groups[1]!.guid}`);
    expect(one.body.data.name).toBe(emu.fleet.groups[1]!.name);
  });

  it('lists computers with their group and policy, and shows one by connector GUID', async () => {
    const group = emu.fleet.groups[1]!.guid;
    const res = await apiRequest(emu, 'GET', `/v1/computers?group_guid[]=${group}`);
    const expected = emu.fleet.computers.filter((c) => c.groupGuid === group);
    expect(res.body.data).toHaveLength(expected.length);
    const c = res.body.data[0];
    expect(c).toMatchObject({
      connector_guid: expected[0]!.connectorGuid,
      hostname: expected[0]!.hostname,
      group_guid: group,
      active: true,
    });
    expect(c.policy).toEqual({ guid: expect.any(String), name: expect.any(String) });
    expect(c.internal_ips).toHaveLength(1);
    const one = await apiRequest(emu, 'GET', `/v1/computers/${expected[0]!.connectorGuid}`);
    expect(one.body.data.hostname).toBe(expected[0]!.hostname);
    expect((await apiRequest(emu, 'GET', '/v1/computers/00000000-0000-0000-0000-000000000000')).status).toBe(
      404,
    );
  });

  it('serves the published events newest first with their exact 64-bit ids', async () => {
    const published = await emu.publish(30);
    const res = await apiRequest(emu, 'GET', '/v1/events?limit=30');
    const parsed = parseLossless(res.text) as { data: { id: string }[] };
    expect(parsed.data.map((e) => e.id)).toEqual(published.map((e) => e.id).reverse());
    expect(res.text).toContain(`"id":${published[0]!.id},`);
  });

  it('filters events by type, group and connector (AND across, OR within) and start_date inclusive', async () => {
    const group = emu.fleet.groups[1]!.guid;
    await emu.publish(40, { eventTypeIds: [THREAT_DETECTED, POLICY_UPDATE] });
    const res = await apiRequest(
      emu,
      'GET',
      `/v1/events?event_type[]=${THREAT_DETECTED}&event_type[]=${POLICY_UPDATE}&group_guid[]=${group}`,
    );
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const e of res.body.data) {
      expect([THREAT_DETECTED, POLICY_UPDATE]).toContain(e.event_type_id);
      expect(e.group_guids).toContain(group);
    }
    const conn = res.body.data[0].connector_guid as string;
    const byConn = await apiRequest(emu, 'GET', `/v1/events?connector_guid[]=${conn}`);
    expect(byConn.body.data.every((e: { connector_guid: string }) => e.connector_guid === conn)).toBe(true);
    const newest = res.body.data[0];
    const since = await apiRequest(
      emu,
      'GET',
      `/v1/events?start_date=${encodeURIComponent(newest.date as string)}`,
    );
    expect(since.body.data.length).toBeGreaterThan(0);
    expect(since.body.data.every((e: { timestamp: number }) => e.timestamp >= newest.timestamp)).toBe(true);
    expect(since.text).toContain(`"date":"${newest.date}"`);
    expect((await apiRequest(emu, 'GET', '/v1/events?start_date=yesterday')).status).toBe(400);
    expect((await apiRequest(emu, 'GET', '/v1/events?limit=-1')).status).toBe(400);
  });

  it('pages through events with limit and offset and links next/prev', async () => {
    await emu.publish(12);
    const p1 = await apiRequest(emu, 'GET', '/v1/events?limit=5');
    const total = p1.body.metadata.results.total as number;
    expect(total).toBeGreaterThanOrEqual(12);
    expect(p1.body.data).toHaveLength(5);
    const next = new URL(p1.body.metadata.links.next as string);
    expect(next.searchParams.get('offset')).toBe('5');
    const p2 = await apiRequest(emu, 'GET', `${next.pathname}${next.search}`);
    expect(p2.body.metadata.results.index).toBe(5);
    expect(p2.body.metadata.links.prev).toContain('offset=0');
    const ids = (text: string): string[] =>
      (parseLossless(text) as { data: { id: string }[] }).data.map((e) => e.id);
    const first = ids(p1.text);
    const second = ids(p2.text);
    expect(second).toHaveLength(5);
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(BigInt(second[0]!) < BigInt(first[4]!)).toBe(true);
  });
});
