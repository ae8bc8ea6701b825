import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_FILE, fileStore } from '../../src/emulator/state.js';
import { bindingDiff, bindingKeys, ccKeys, routingKey } from '../../src/emulator/broker/routing.js';
import { EventLog } from '../../src/emulator/event-log.js';
import { RATE_WINDOW_MS, RateLimiter, parseBasicAuth, scopeOf } from '../../src/emulator/rest/auth.js';
import { collectionBody, errorBody, pageLinks, rawCollectionBody } from '../../src/emulator/rest/envelope.js';
import { list, one, paramsFromJson, paramsFromSearch } from '../../src/emulator/rest/params.js';
import { createIdSource } from '../../src/emulator/generator/ids.js';
import { subjectAltNames } from '../../src/emulator/ca.js';

const ORG = 'org1';

/** Does a topic binding key match a routing key (AMQP 0-9-1 topic rules, no `#` needed here)? */
function topicMatches(binding: string, key: string): boolean {
  const b = binding.split('.');
  const k = key.split('.');
  return b.length === k.length && b.every((w, i) => w === '*' || w === k[i]);
}

function routes(bindings: string[], eventType: number, group: string): boolean {
  const key = routingKey(ORG, 'conn', eventType);
  const keys = [key, ...ccKeys(key, [group])];
  return bindings.some((b) => keys.some((k) => topicMatches(b, k)));
}

describe('stream filters as topic bindings', () => {
  it('routes every event of the org to a stream without filters', () => {
    const b = bindingKeys(ORG, [], []);
    expect(b).toEqual(['org1.*.*']);
    expect(routes(b, 1, 'g1')).toBe(true);
    expect(routes(bindingKeys('other', [], []), 1, 'g1')).toBe(false);
  });

  it('routes only the listed event types when filtered by type', () => {
    const b = bindingKeys(ORG, [1, 2], []);
    expect(routes(b, 1, 'g1')).toBe(true);
    expect(routes(b, 2, 'g9')).toBe(true);
    expect(routes(b, 3, 'g1')).toBe(false);
  });

  it('routes only the listed groups when filtered by group', () => {
    const b = bindingKeys(ORG, [], ['g1', 'g2']);
    expect(routes(b, 7, 'g1')).toBe(true);
    expect(routes(b, 7, 'g3')).toBe(false);
  });

  it('needs both the type and the group to match when filtered by both', () => {
    const b = bindingKeys(ORG, [1], ['g1']);
    expect(b).toEqual(['org1.*.1.g1']);
    expect(routes(b, 1, 'g1')).toBe(true);
    expect(routes(b, 1, 'g2')).toBe(false);
    expect(routes(b, 2, 'g1')).toBe(false);
  });

  it('computes the bindings to add and remove when filters change', () => {
    expect(bindingDiff(['a', 'b'], ['b', 'c'])).toEqual({ add: ['c'], remove: ['a'] });
  });
});

describe('request parameters', () => {
  it('reads Rails brackets, repeated keys and single values alike', () => {
    const p = paramsFromSearch(
      new URLSearchParams('name=x&event_type[]=1&event_type[]=2&group_guid=g1&group_guid=g2'),
    );
    expect(one(p, 'name')).toBe('x');
    expect(list(p, 'event_type')).toEqual(['1', '2']);
    expect(list(p, 'group_guid')).toEqual(['g1', 'g2']);
    expect(list(p, 'absent')).toBeUndefined();
  });

  it('keeps an empty JSON array as "sent, empty" (meaning all)', () => {
    const p = paramsFromJson({ event_type: [], name: 'n', group_guid: 'g' });
    expect(list(p, 'event_type')).toEqual([]);
    expect(list(p, 'group_guid')).toEqual(['g']);
  });

  it('rejects a JSON body that is not an object with a 400', () => {
    expect(() => paramsFromJson([1])).toThrowError(expect.objectContaining({ code: 'API_BAD_REQUEST' }));
  });
});

describe('envelope', () => {
  it('links next and prev around the current page', () => {
    const l = pageLinks('https://h/v1/groups?limit=2&offset=2', { limit: 2, offset: 2 }, 5);
    expect(l.next).toBe('https://h/v1/groups?limit=2&offset=4');
    expect(l.prev).toBe('https://h/v1/groups?limit=2&offset=0');
    const last = pageLinks('https://h/v1/groups?limit=2&offset=4', { limit: 2, offset: 4 }, 5);
    expect(last.next).toBeUndefined();
  });

  it('reports total, count, index and page size in results', () => {
    const body = JSON.parse(collectionBody('https://h/x', { limit: 2, offset: 1 }, ['a', 'b', 'c', 'd']));
    expect(body.metadata.results).toEqual({ total: 4, current_item_count: 2, index: 1, items_per_page: 2 });
    expect(body.data).toEqual(['b', 'c']);
  });

  it('splices raw event JSON into the data array without re-encoding ids', () => {
    const text = rawCollectionBody('https://h/x', { limit: 10, offset: 0 }, ['{"id":6533241145273614339}']);
    expect(text).toContain('"data":[{"id":6533241145273614339}]');
    expect(JSON.parse(text).version).toBe('v1.2.0');
  });

  it('writes errors as error_code, description and details', () => {
    expect(JSON.parse(errorBody(401, ['Unknown API key or Client ID']))).toEqual({
      version: 'v1.2.0',
      data: {},
      errors: [{ error_code: 401, description: 'Unauthorized', details: ['Unknown API key or Client ID'] }],
    });
  });
});

describe('auth and rate limit', () => {
  const known = { clientId: 'cid', apiKey: 'rw-key', readOnlyApiKey: 'ro-key' };
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  it('tells read-write, read-only and unknown credentials apart', () => {
    expect(scopeOf(parseBasicAuth(basic('cid', 'rw-key')), known)).toBe('read-write');
    expect(scopeOf(parseBasicAuth(basic('cid', 'ro-key')), known)).toBe('read-only');
    expect(scopeOf(parseBasicAuth(basic('cid', 'nope')), known)).toBeUndefined();
    expect(scopeOf(parseBasicAuth(basic('other', 'rw-key')), known)).toBeUndefined();
    expect(scopeOf(parseBasicAuth(undefined), known)).toBeUndefined();
    expect(scopeOf(parseBasicAuth('Bearer abc'), known)).toBeUndefined();
  });

  it('allows the hourly budget, then refuses until the window resets', () => {
    let now = 1_700_000_000_000;
    const rl = new RateLimiter(2, () => now);
    expect(rl.take('k').headers['x-ratelimit-remaining']).toBe('1');
    expect(rl.take('k').allowed).toBe(true);
    const refused = rl.take('k');
    expect(refused.allowed).toBe(false);
    expect(refused.headers).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '3600',
    });
    expect(refused.headers['x-ratelimit-resetdate']).toBe(
      new Date(now + RATE_WINDOW_MS).toISOString().replace('.000Z', 'Z'),
    );
    expect(rl.take('other').allowed).toBe(true);
    now += RATE_WINDOW_MS;
    expect(rl.take('k').allowed).toBe(true);
  });
});

describe('event log', () => {
  const ev = (n: number, type: number, group: string, conn: string) => ({
    json: `{"id":${n}}`,
    eventTypeId: type,
    connectorGuid: conn,
    groupGuids: [group],
    timestamp: n,
  });

  it('answers newest first, ANDs across filters and ORs within one', () => {
    const log = new EventLog(100);
    log.add(ev(1, 10, 'g1', 'c1'));
    log.add(ev(2, 20, 'g2', 'c1'));
    log.add(ev(3, 10, 'g2', 'c2'));
    const all = { eventTypes: [], groupGuids: [], connectorGuids: [] };
    expect(log.query(all).map((e) => e.timestamp)).toEqual([3, 2, 1]);
    expect(log.query({ ...all, eventTypes: [10, 20], groupGuids: ['g2'] }).map((e) => e.timestamp)).toEqual([
      3, 2,
    ]);
    expect(log.query({ ...all, eventTypes: [10], connectorGuids: ['c1'] }).map((e) => e.timestamp)).toEqual([
      1,
    ]);
    expect(log.query({ ...all, startTimestamp: 2 }).map((e) => e.timestamp)).toEqual([3, 2]);
  });

  it('keeps only the newest events when full', () => {
    const log = new EventLog(2);
    for (let i = 1; i <= 5; i++) log.add(ev(i, 1, 'g', 'c'));
    expect(log.size).toBe(2);
    expect(log.query({ eventTypes: [], groupGuids: [], connectorGuids: [] }).map((e) => e.timestamp)).toEqual(
      [5, 4],
    );
  });
});

describe('ids and certificates', () => {
  it('draws unique, increasing ids above 2^53 even when the clock stands still', () => {
    const ids = createIdSource(() => 1_700_000_000_000);
    const a = ids.next();
    const b = ids.next();
    expect(a > 2n ** 53n).toBe(true);
    expect(b).toBe(a + 1n);
  });

  it('always names localhost and 127.0.0.1 in the server certificate, plus a custom host', () => {
    expect(subjectAltNames('127.0.0.1')).toBe('DNS:localhost,IP:127.0.0.1');
    expect(subjectAltNames('0.0.0.0')).toBe('DNS:localhost,IP:127.0.0.1');
    expect(subjectAltNames('emu.test')).toBe('DNS:localhost,IP:127.0.0.1,DNS:emu.test');
    expect(subjectAltNames('10.1.2.3')).toBe('DNS:localhost,IP:127.0.0.1,IP:10.1.2.3');
  });
});

describe('state file', () => {
  it('writes the state 0600 and reads it back after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ampstream-emu-state-'));
    try {
      const store = await fileStore(dir);
      const next = { ...store.state, nextStreamId: store.state.nextStreamId + 7 };
      await store.update(next);
      expect((await stat(join(dir, STATE_FILE))).mode & 0o777).toBe(0o600);
      expect((await fileStore(dir)).state).toEqual(next);
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the old state in memory when writing the new one fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ampstream-emu-state-'));
    const store = await fileStore(dir);
    const before = store.state;
    await rm(dir, { recursive: true, force: true }); // the next write cannot create its temp file
    await expect(store.update({ ...before, nextStreamId: before.nextStreamId + 1 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(store.state).toBe(before);
  });

  it('refuses a state file that is not JSON with an EMULATOR error and a hint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ampstream-emu-state-'));
    try {
      await writeFile(join(dir, STATE_FILE), '{nope');
      await expect(fileStore(dir)).rejects.toMatchObject({ code: 'EMULATOR', hint: expect.any(String) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
