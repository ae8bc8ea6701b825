import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { discardQueued } from '../helpers/gap.js';
import { connectAsStream, getMessages } from './amqp-helpers.js';

/**
 * `GET /v1/events` as backfill relies on it (docs/secure-endpoint-api.md §3.5, docs/backfill.md):
 * the same ids as the stream, events kept after they left every queue, offset/limit paging with
 * `links.next`/`prev` and `results`, newest first, the 500 cap, filters and rate-limit headers.
 */

const idsOf = (text: string): string[] => [...text.matchAll(/\{"id":(\d+)/g)].map((m) => m[1] as string);

let emu: TestEmulator;
let stream: CreatedStream;
let published: string[];

beforeAll(async () => {
  emu = await withEmulator({}, 'builtin');
  stream = await createStreamViaRest(emu, { name: `events-${randomUUID()}` });
  published = (await emu.publish(12)).map((e) => e.id ?? '?');
});
afterAll(async () => {
  await emu.close();
});

describe('GET /v1/events', () => {
  it('serves each event with the same id the stream delivered it with, newest first', async () => {
    const client = await connectAsStream(emu, stream);
    try {
      const ch = await client.channel();
      const onQueue = (await getMessages(ch, stream.amqp_credentials.queue_name, 12)).map(
        (m) => /"id":(\d+)/.exec(m.body)?.[1],
      );
      expect(onQueue).toEqual(published);
    } finally {
      await client.close();
    }
    const res = await apiRequest(emu, 'GET', '/v1/events?limit=100');
    expect(idsOf(res.text)).toEqual([...published].reverse());
  });

  it('keeps serving events that are no longer in any queue', async () => {
    const more = (await emu.publish(3)).map((e) => e.id ?? '?');
    expect(await discardQueued(emu, stream)).toBe(3);
    await apiRequest(emu, 'DELETE', `/v1/event_streams/${stream.id}`);
    const res = await apiRequest(emu, 'GET', '/v1/events?limit=100');
    expect(idsOf(res.text).slice(0, 3)).toEqual([...more].reverse());
    published = [...published, ...more];
  });

  it('pages with offset and limit: results, links.next and links.prev, at most 500 a page', async () => {
    const first = await apiRequest(emu, 'GET', '/v1/events?limit=5');
    expect(first.body.metadata.results).toEqual({
      total: 15,
      current_item_count: 5,
      index: 0,
      items_per_page: 5,
    });
    expect(first.body.metadata.links.prev).toBeUndefined();
    const next = new URL(first.body.metadata.links.next as string);
    expect(next.searchParams.get('offset')).toBe('5');
    const second = await apiRequest(emu, 'GET', `/v1/events?${next.searchParams.toString()}`);
    expect(second.body.metadata.results.index).toBe(5);
    expect(new URL(second.body.metadata.links.prev as string).searchParams.get('offset')).toBe('0');
    expect([...idsOf(first.text), ...idsOf(second.text)]).toEqual([...published].reverse().slice(0, 10));
    const last = await apiRequest(emu, 'GET', '/v1/events?limit=5&offset=10');
    expect(last.body.metadata.links.next).toBeUndefined();
    const capped = await apiRequest(emu, 'GET', '/v1/events?limit=1000');
    expect(capped.body.metadata.results.items_per_page).toBe(500);
    expect(first.headers['x-ratelimit-limit']).toBeDefined();
    expect(first.headers['x-ratelimit-remaining']).toBeDefined();
    expect(first.headers['x-ratelimit-reset']).toBeDefined();
  });

  it('filters by event type (OR within a kind) and start_date (inclusive)', async () => {
    const [a, b] = [1090519054, 553648147];
    await emu.publish(2, { eventTypeIds: [a] });
    await emu.publish(2, { eventTypeIds: [b] });
    const both = await apiRequest(emu, 'GET', `/v1/events?event_type[]=${a}&event_type[]=${b}&limit=500`);
    const types = (both.body.data as { event_type_id: number }[]).map((e) => e.event_type_id);
    expect(types.every((t) => t === a || t === b)).toBe(true);
    expect(types.filter((t) => t === b).length).toBeGreaterThanOrEqual(2);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await apiRequest(emu, 'GET', `/v1/events?start_date=${encodeURIComponent(future)}`);
    expect(none.body.data).toEqual([]);
    const newest = (both.body.data as { timestamp: number }[])[0]!.timestamp;
    const from = new Date(newest * 1000).toISOString();
    const inclusive = await apiRequest(emu, 'GET', `/v1/events?start_date=${encodeURIComponent(from)}`);
    expect((inclusive.body.data as { timestamp: number }[]).every((e) => e.timestamp >= newest)).toBe(true);
    expect(inclusive.body.data.length).toBeGreaterThan(0);
  });
});
