import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/index.js';
import type { SourceEvent } from '../../src/source/types.js';
import { CuttableRelay, eventBody, forceCloseConnections, waitFor } from './broker.js';
import { fileSink, gated, harness, slowed, type Harness } from './harness.js';
import { RABBIT_URL } from '../helpers/services.js';

let h: Harness | undefined;
let relay: CuttableRelay | undefined;
afterEach(async () => {
  await h?.cleanup();
  await relay?.close();
  h = undefined;
  relay = undefined;
});

function events(n: number): { ids: string[]; bodies: Buffer[] } {
  const list = Array.from({ length: n }, (_, i) => eventBody(i));
  return { ids: list.map((e) => e.id), bodies: list.map((e) => e.body) };
}

const slowFileRoute = (dir: string) => [
  { name: 'file', sink: slowed(fileSink('file', join(dir, 'events.jsonl')), 15), format: getFormat('raw') },
];

async function allDelivered(hh: Harness, ids: string[]): Promise<void> {
  const want = new Set(ids);
  await waitFor(async () => {
    const got = new Set(hh.writtenIds());
    return (
      [...want].every((id) => got.has(id)) &&
      hh.pipeline.stats().inFlight === 0 &&
      (await hh.q.depth()).messageCount === 0
    );
  }, 'every id written and the queue empty');
}

describe('pipeline faults: connections', () => {
  it('survives a connection cut mid-batch: reconnects, loses nothing, duplicates only redelivered events', async () => {
    relay = new CuttableRelay();
    const url = await relay.listen();
    h = await harness({ source: { url }, routes: slowFileRoute });
    const seen: SourceEvent['type'][] = [];
    h.pipeline.subscribe((e) => seen.push(e.type));
    const { ids, bodies } = events(300);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked >= 40, 'some acked');
    expect(relay.cut()).toBeGreaterThan(0);
    await allDelivered(h, ids);
    const written = h.writtenIds();
    const dupes = written.length - new Set(written).size;
    expect(dupes).toBeLessThanOrEqual(h.pipeline.stats().redelivered);
    expect(h.pipeline.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(seen).toContain('disconnected');
    expect(await h.metric('ampstream_reconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('survives the broker force-closing its connections (CONNECTION_FORCED), with no loss and no stale ack', async () => {
    let g: ReturnType<typeof gated> | undefined;
    h = await harness({
      routes: (dir) => {
        g = gated(fileSink('file', join(dir, 'events.jsonl')));
        return [{ name: 'file', sink: g.sink, format: getFormat('raw') }];
      },
    });
    const { ids, bodies } = events(300);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => g!.writes() > 0, 'a batch is being written');
    expect(await forceCloseConnections(h.connectionName)).toBe(1);
    await waitFor(() => h!.pipeline.stats().reconnects >= 1, 'reconnected');
    g!.open(); // the held batch of the dead channel is written now; its ack must not go to the new channel
    await allDelivered(h, ids);
    expect(h.pipeline.stats().redelivered).toBeGreaterThan(0);
    expect(h.pipeline.stats().reconnects).toBe(1);
  });

  it('with dedup on, a connection cut produces no duplicate in the sink', async () => {
    relay = new CuttableRelay();
    const url = await relay.listen();
    h = await harness({
      source: { url },
      routes: slowFileRoute,
      pipeline: (dir) => ({ dedup: { path: join(dir, 'dedup.db') } }),
    });
    const { ids, bodies } = events(300);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked >= 40, 'some acked');
    relay.cut();
    await allDelivered(h, ids);
    expect(h.writtenIds()).toHaveLength(300);
    expect(new Set(h.writtenIds()).size).toBe(300);
  });

  it('drops an event whose id was already delivered when dedup is on (and counts it)', async () => {
    h = await harness({ pipeline: (dir) => ({ dedup: { path: join(dir, 'dedup.db') } }) });
    const { ids, bodies } = events(5);
    await h.q.publish([...bodies, bodies[0]!, bodies[3]!]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 7, 'all acked');
    expect(h.writtenIds()).toEqual(ids);
    expect(h.pipeline.stats().duplicates).toBe(2);
    expect(await h.metric('ampstream_duplicates_dropped_total')).toBe(2);
  });

  it('stops with AMQP_QUEUE_NOT_FOUND when the queue is deleted while consuming, without a reconnect loop', async () => {
    h = await harness();
    const seen: SourceEvent[] = [];
    h.pipeline.subscribe((e) => seen.push(e));
    await h.q.publish(events(5).bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 5, 'acked');
    await h.q.deleteQueue();
    const outcome = await h.pipeline.done;
    expect(outcome.kind === 'fatal' && outcome.error.code).toBe('AMQP_QUEUE_NOT_FOUND');
    expect(outcome.kind === 'fatal' && outcome.error.retryable).toBe(false);
    expect(outcome.kind === 'fatal' && outcome.error.exitCode).toBe(69);
    expect(seen.filter((e) => e.type === 'reconnect-scheduled').length).toBeLessThanOrEqual(1);
  });

  it('fails at start with AMQP_ACCESS_REFUSED (exit 77) on a wrong password, without retrying', async () => {
    h = await harness({ source: { url: RABBIT_URL.replace(':guest@', ':wrong-password@') } });
    const seen: SourceEvent['type'][] = [];
    h.pipeline.subscribe((e) => seen.push(e.type));
    const err = await h.pipeline.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'AMQP_ACCESS_REFUSED', exitCode: 77, retryable: false });
    expect(String((err as Error).message)).not.toContain('wrong-password');
    expect(seen).not.toContain('reconnect-scheduled');
    const outcome = await h.pipeline.done;
    expect(outcome.kind === 'fatal' && outcome.error.code).toBe('AMQP_ACCESS_REFUSED');
  });

  it('fails at start with AMQP_QUEUE_NOT_FOUND for a queue that does not exist, and never creates it', async () => {
    h = await harness();
    await h.q.deleteQueue();
    await expect(h.pipeline.start()).rejects.toMatchObject({ code: 'AMQP_QUEUE_NOT_FOUND' });
    await expect(h.q.depth()).rejects.toThrow(/404|NOT_FOUND/);
  });
});

describe('pipeline: drain and peek', () => {
  it('graceful drain acks what was written and requeues the rest', async () => {
    h = await harness({ routes: slowFileRoute, source: { prefetch: 60 } });
    const { ids, bodies } = events(300);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked >= 40, 'some acked');
    await h.pipeline.drain();
    const stats = h.pipeline.stats();
    const written = h.writtenIds();
    expect(stats.acked).toBe(written.length);
    expect(written).toEqual(ids.slice(0, written.length));
    await waitFor(
      async () => (await h!.q.depth()).messageCount === 300 - written.length,
      'the rest is back in the queue',
    );
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
  });

  it('peek mode writes events but acks nothing: the queue is intact afterwards', async () => {
    h = await harness({ source: { mode: 'peek', prefetch: 50 } });
    const { ids, bodies } = events(20);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.writtenIds().length === 20, 'all written');
    expect(h.pipeline.stats().acked).toBe(0);
    await h.pipeline.drain();
    expect(h.writtenIds()).toEqual(ids);
    await waitFor(async () => (await h!.q.depth()).messageCount === 20, 'queue intact');
  });

  it('peek mode says when the prefetch window is full', async () => {
    h = await harness({ source: { mode: 'peek', prefetch: 10 } });
    const seen: SourceEvent[] = [];
    h.pipeline.subscribe((e) => seen.push(e));
    await h.q.publish(events(25).bodies);
    await h.pipeline.start();
    await waitFor(() => seen.some((e) => e.type === 'peek-window-full'), 'window full event');
    expect(seen.find((e) => e.type === 'peek-window-full')).toEqual({
      type: 'peek-window-full',
      prefetch: 10,
    });
    expect(h.pipeline.stats().delivered).toBeLessThanOrEqual(10);
  });
});
