import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiRequest,
  createStreamViaRest,
  deleteAllStreams,
  type TestEmulator,
  withEmulator,
} from '../helpers/emulator.js';

const THREAT_DETECTED = 1090519054;
const THREAT_QUARANTINED = 553648143;

let emu: TestEmulator;
beforeAll(async () => {
  emu = await withEmulator({ seed: 11 });
});
afterAll(async () => {
  await emu?.close();
});
afterEach(async () => {
  // each test starts with no streams (the org limit is 5)
  await deleteAllStreams(emu);
});

const uniqueName = (): string => `stream ${randomUUID()}`;

describe('POST /v1/event_streams', () => {
  it('creates a stream from a JSON body and returns 201 with the one-time password', async () => {
    const group = emu.fleet.groups[0]!.guid;
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', {
      body: { name: 'SIEM', event_type: [THREAT_DETECTED], group_guid: [group] },
    });
    expect(res.status).toBe(201);
    expect(res.body.version).toBe('v1.2.0');
    expect(res.body.metadata.links.self).toBe(`${emu.apiUrl}/v1/event_streams`);
    const d = res.body.data;
    expect(Number.isInteger(d.id)).toBe(true);
    expect(d.name).toBe('SIEM');
    expect(d.event_types).toEqual([THREAT_DETECTED]);
    expect(d.group_guids).toEqual([group]);
    expect(d.amqp_credentials).toEqual({
      user_name: expect.stringMatching(new RegExp(`^${d.id}-[0-9a-f]{20}$`)),
      password: expect.stringMatching(/^[0-9a-f]{40}$/),
      queue_name: `event_stream_${d.id}`,
      host: 'localhost',
      port: String(emu.amqpPort),
      proto: 'https',
    });
  });

  it('accepts a form body with repeated keys, the way python-requests encodes data=dict', async () => {
    const group = emu.fleet.groups[1]!.guid;
    const body = `name=Event+Stream+for+ACME+Inc&group_guid=${group}&event_type=${THREAT_DETECTED}&event_type=${THREAT_QUARANTINED}`;
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', { body });
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe('Event Stream for ACME Inc');
    expect(res.body.data.event_types).toEqual([THREAT_DETECTED, THREAT_QUARANTINED]);
    expect(res.body.data.group_guids).toEqual([group]);
  });

  it('accepts Rails-style bracketed parameters in the query string', async () => {
    const name = uniqueName();
    const q = `name=${encodeURIComponent(name)}&event_type[]=${THREAT_DETECTED}&event_type[]=${THREAT_QUARANTINED}`;
    const res = await apiRequest(emu, 'POST', `/v1/event_streams?${q}`);
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe(name);
    expect(res.body.data.event_types).toEqual([THREAT_DETECTED, THREAT_QUARANTINED]);
    expect(res.body.data.group_guids).toEqual([]);
  });

  it('accepts event type ids sent as numeric strings', async () => {
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', {
      body: { name: uniqueName(), event_type: [String(THREAT_DETECTED)] },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.event_types).toEqual([THREAT_DETECTED]);
  });

  it('refuses a stream without a name with a 400 naming the field', async () => {
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', {
      body: { event_type: [THREAT_DETECTED] },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      version: 'v1.2.0',
      data: {},
      errors: [{ error_code: 400, description: 'Bad Request', details: [expect.stringContaining('name')] }],
    });
  });

  it('refuses a second stream with the same name', async () => {
    const name = uniqueName();
    await createStreamViaRest(emu, { name });
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', { body: { name } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].details).toEqual(['Name has already been taken']);
  });

  it('refuses a sixth stream in the organisation', async () => {
    for (let i = 0; i < 5; i++) await createStreamViaRest(emu, { name: uniqueName() });
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', { body: { name: uniqueName() } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].details).toEqual(['Event stream limit reached']);
  });

  it('refuses unknown event type ids and group GUIDs, listing each in details', async () => {
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', {
      body: {
        name: uniqueName(),
        event_type: [THREAT_DETECTED, 42, 'abc'],
        group_guid: ['0b4883d4-0000-4404-9453-13cba0ee7662'],
      },
    });
    expect(res.status).toBe(400);
    const details: string[] = res.body.errors[0].details;
    expect(details).toHaveLength(3);
    expect(details[0]).toContain('42');
    expect(details[1]).toContain('abc');
    expect(details[2]).toContain('0b4883d4-0000-4404-9453-13cba0ee7662');
    expect((await apiRequest(emu, 'GET', '/v1/event_streams')).body.data).toEqual([]);
  });

  it('gives increasing integer ids', async () => {
    const a = await createStreamViaRest(emu, { name: uniqueName() });
    const b = await createStreamViaRest(emu, { name: uniqueName() });
    expect(b.id).toBeGreaterThan(a.id);
  });

  it('refuses a body that is not JSON with a 400', async () => {
    const res = await apiRequest(emu, 'POST', '/v1/event_streams', {
      body: '{"name": ',
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
  });
});

describe('GET, PATCH and DELETE /v1/event_streams/{id}', () => {
  it('lists and shows streams with plural filter keys and without the password key', async () => {
    const created = await createStreamViaRest(emu, { name: uniqueName(), event_type: [THREAT_DETECTED] });
    const list = await apiRequest(emu, 'GET', '/v1/event_streams');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const one = await apiRequest(emu, 'GET', `/v1/event_streams/${created.id}`);
    expect(one.status).toBe(200);
    for (const s of [list.body.data[0], one.body.data]) {
      expect(s.event_types).toEqual([THREAT_DETECTED]);
      expect(s.group_guids).toEqual([]);
      expect(s).not.toHaveProperty('event_type');
      expect(s.amqp_credentials).not.toHaveProperty('password');
      expect(s.amqp_credentials.user_name).toBe(created.amqp_credentials.user_name);
    }
    expect(list.text).not.toContain(created.amqp_credentials.password);
    expect(one.text).not.toContain(created.amqp_credentials.password);
  });

  it('answers with or without a trailing slash', async () => {
    const created = await createStreamViaRest(emu, { name: uniqueName() });
    expect((await apiRequest(emu, 'GET', '/v1/event_streams/')).status).toBe(200);
    expect((await apiRequest(emu, 'GET', `/v1/event_streams/${created.id}/`)).status).toBe(200);
  });

  it('updates any subset of fields and keeps the credentials', async () => {
    const created = await createStreamViaRest(emu, { name: uniqueName(), event_type: [THREAT_DETECTED] });
    const group = emu.fleet.groups[2]!.guid;
    const res = await apiRequest(emu, 'PATCH', `/v1/event_streams/${created.id}`, {
      body: { group_guid: [group] },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: created.id,
      name: created.name,
      event_types: [THREAT_DETECTED],
      group_guids: [group],
    });
    expect(res.body.data.amqp_credentials).not.toHaveProperty('password');
    expect(res.body.data.amqp_credentials.user_name).toBe(created.amqp_credentials.user_name);
    const renamed = await apiRequest(emu, 'PATCH', `/v1/event_streams/${created.id}`, {
      body: { name: 'renamed', event_type: [] },
    });
    expect(renamed.body.data).toMatchObject({ name: 'renamed', event_types: [], group_guids: [group] });
  });

  it('refuses a rename onto another stream name, but not onto its own', async () => {
    const a = await createStreamViaRest(emu, { name: uniqueName() });
    const b = await createStreamViaRest(emu, { name: uniqueName() });
    expect(
      (await apiRequest(emu, 'PATCH', `/v1/event_streams/${b.id}`, { body: { name: a.name } })).status,
    ).toBe(400);
    expect(
      (await apiRequest(emu, 'PATCH', `/v1/event_streams/${a.id}`, { body: { name: a.name } })).status,
    ).toBe(200);
  });

  it('deletes a stream with 200, after which it is not found', async () => {
    const created = await createStreamViaRest(emu, { name: uniqueName() });
    const del = await apiRequest(emu, 'DELETE', `/v1/event_streams/${created.id}`);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({});
    const again = await apiRequest(emu, 'GET', `/v1/event_streams/${created.id}`);
    expect(again.status).toBe(404);
  });

  it('answers 404 "Event stream not found" for unknown ids on GET, PATCH and DELETE', async () => {
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const res = await apiRequest(
        emu,
        method,
        '/v1/event_streams/999999999',
        body === undefined ? {} : { body },
      );
      expect(res.status, method).toBe(404);
      expect(res.body.errors).toEqual([
        { error_code: 404, description: 'Not Found', details: ['Event stream not found'] },
      ]);
      expect(res.headers['x-ratelimit-remaining'], 'rate-limit headers on errors too').toBeDefined();
    }
    expect((await apiRequest(emu, 'GET', '/v1/event_streams/abc')).status).toBe(404);
  });
});
