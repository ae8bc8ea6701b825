import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrgs, readyLine } from '../../src/cli/commands/emulator.js';
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

  it('lists every organisation and its keys in the --json ready line', () => {
    const line = JSON.parse(readyLine(emu)) as {
      clientId: string;
      organisations: { name: string; clientId: string; apiKey: string }[];
    };
    expect(line.clientId).toBe(emu.organisations[0]!.clientId);
    expect(line.organisations.map((o) => [o.name, o.clientId, o.apiKey])).toEqual(
      emu.organisations.map((o) => [o.name, o.clientId, o.apiKey]),
    );
  });
});

describe('--orgs', () => {
  it('takes a count or a list of labels', () => {
    expect(parseOrgs('3')).toBe(3);
    expect(parseOrgs('acme,globex')).toEqual(['acme', 'globex']);
    expect(() => parseOrgs('0')).toThrow(/1 to 100/);
    expect(() => parseOrgs('Acme Corp')).toThrow(/labels/);
  });
});

describe('a multi-organisation emulator with a data dir', () => {
  it('keeps every organisation’s keys and streams across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ampstream-multi-org-'));
    try {
      const first = await withEmulator({ organisations: ['a', 'b'], dataDir }, 'builtin');
      const b = first.organisations[1]!;
      const created = await apiRequest(first, 'POST', '/v1/event_streams', {
        clientId: b.clientId,
        apiKey: b.apiKey,
        body: { name: 'kept' },
      });
      expect(created.status).toBe(201);
      await first.close();
      const again = await withEmulator({ organisations: ['a', 'b'], dataDir }, 'builtin');
      try {
        expect(again.organisations.map((o) => o.clientId)).toEqual(
          first.organisations.map((o) => o.clientId),
        );
        const list = await apiRequest(again, 'GET', '/v1/event_streams', {
          clientId: b.clientId,
          apiKey: b.apiKey,
        });
        expect((list.body.data as { id: number; name: string }[]).map((x) => [x.id, x.name])).toEqual([
          [created.body.data.id, 'kept'],
        ]);
        await apiRequest(again, 'DELETE', `/v1/event_streams/${created.body.data.id}`, {
          clientId: b.clientId,
          apiKey: b.apiKey,
        });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a single-organisation emulator', () => {
  it('keeps its --json ready line as it was (no organisations key)', async () => {
    const one = await withEmulator({}, 'builtin');
    try {
      expect(Object.keys(JSON.parse(readyLine(one)) as object)).toEqual([
        'apiUrl',
        'amqpHost',
        'amqpPort',
        'caPath',
        'clientId',
        'apiKey',
        'readOnlyApiKey',
      ]);
      expect(one.organisations.map((o) => o.name)).toEqual(['default']);
    } finally {
      await one.close();
    }
  });
});
