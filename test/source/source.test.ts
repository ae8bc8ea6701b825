import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpSource } from '../../src/source/amqp-source.js';
import type { Delivery, SourceEvent, SourceOptions } from '../../src/source/types.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import {
  BROKER_URL,
  CuttableRelay,
  drainQueue,
  eventBody,
  FAST_BACKOFF,
  TestQueue,
  uniqueName,
  waitFor,
} from '../pipeline/broker.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function queue(): Promise<TestQueue> {
  const q = await TestQueue.create('ampstream_src');
  cleanups.push(() => q.cleanup());
  return q;
}

function source(options: Partial<SourceOptions> & { queue: string }): {
  src: AmqpSource;
  events: SourceEvent[];
  got: Delivery[];
} {
  const src = new AmqpSource({
    url: BROKER_URL,
    reconnect: FAST_BACKOFF,
    probeIntervalMs: 0,
    watchdogMs: 0,
    connectionName: uniqueName('ampstream-src'),
    ...options,
  });
  cleanups.push(() => src.close());
  const events: SourceEvent[] = [];
  src.subscribe((e) => events.push(e));
  return { src, events, got: [] };
}

describe('AMQP source', () => {
  it('delivers bodies, tags and metadata, and acks with multiple=true up to a tag', async () => {
    const q = await queue();
    await q.publish(Array.from({ length: 10 }, (_, i) => eventBody(i).body));
    const { src, got } = source({ queue: q.name });
    await src.start({ onDelivery: (d) => got.push(d) });
    await waitFor(() => got.length === 10, '10 deliveries');
    expect(got.map((d) => d.tag)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(got[0]).toMatchObject({ generation: 1, redelivered: false, exchange: '', routingKey: q.name });
    expect(got[3]!.body.toString()).toBe(eventBody(3).body.toString());
    src.ack(1, 6);
    await src.close();
    await waitFor(async () => (await q.depth()).messageCount === 4, 'the 4 unacked are back');
  });

  it('drops an ack for a stale generation after a reconnect (the new channel stays open)', async () => {
    const q = await queue();
    const relay = new CuttableRelay();
    cleanups.push(() => relay.close());
    const url = await relay.listen();
    await q.publish(Array.from({ length: 5 }, (_, i) => eventBody(i).body));
    const { src, got, events } = source({ queue: q.name, url });
    await src.start({ onDelivery: (d) => got.push(d) });
    await waitFor(() => got.length === 5, 'first 5');
    relay.cut();
    await waitFor(() => got.length === 10, 'redelivered 5');
    expect(got.slice(5).every((d) => d.redelivered && d.generation === 2)).toBe(true);
    src.ack(1, 5); // stale: would be PRECONDITION_FAILED (unknown tag) on the new channel if sent
    src.ack(2, 5);
    await src.close();
    expect(events.filter((e) => e.type === 'fatal')).toEqual([]);
    await waitFor(async () => (await q.depth()).messageCount === 0, 'acked on the live channel');
  });

  it('reports queue depth and warns when another consumer shares the stream', async () => {
    const q = await queue();
    const metrics = createMetrics();
    const { src, events } = source({ queue: q.name, probeIntervalMs: 100, metrics, metricsLabel: 's1' });
    await src.start({ onDelivery: () => undefined });
    const other = drainQueue(q.name, 1500); // a competing consumer for a while
    await waitFor(() => events.some((e) => e.type === 'competing-consumers'), 'competing-consumers warning');
    expect(events.find((e) => e.type === 'competing-consumers')).toEqual({
      type: 'competing-consumers',
      consumerCount: 2,
    });
    expect(await metrics.render()).toMatch(/ampstream_queue_consumers\{stream="s1"\} 2/);
    await other;
  });

  it('gives up at start with BROKER_UNREACHABLE (exit 69) after startAttempts when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const { src, events } = source({
      queue: 'none',
      url: `amqp://guest:guest@127.0.0.1:${port}`,
      startAttempts: 3,
    });
    await expect(src.start({ onDelivery: () => undefined })).rejects.toMatchObject({
      code: 'BROKER_UNREACHABLE',
      exitCode: 69,
    });
    expect(events.filter((e) => e.type === 'reconnect-scheduled')).toHaveLength(2);
    expect(await src.done).toMatchObject({ kind: 'fatal' });
  });

  it('watchdog: reconnects a connection that stays silent while the queue is not empty', async () => {
    const q = await queue();
    const relay = new CuttableRelay();
    cleanups.push(() => relay.close());
    const url = await relay.listen();
    const got: Delivery[] = [];
    const { src, events } = source({ queue: q.name, url, watchdogMs: 300, heartbeatSeconds: 0 });
    await src.start({ onDelivery: (d) => got.push(d) });
    relay.freeze();
    await q.publish(Array.from({ length: 5 }, (_, i) => eventBody(i).body));
    await waitFor(() => got.length === 5, 'delivered after the watchdog reconnect');
    expect(events.some((e) => e.type === 'watchdog')).toBe(true);
    expect(src.status.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('peek mode never acks: everything is back in the queue after close', async () => {
    const q = await queue();
    await q.publish(Array.from({ length: 8 }, (_, i) => eventBody(i).body));
    const got: Delivery[] = [];
    const { src } = source({ queue: q.name, mode: 'peek' });
    await src.start({ onDelivery: (d) => got.push(d) });
    await waitFor(() => got.length === 8, 'peeked');
    src.ack(1, 8);
    await src.close();
    await waitFor(async () => (await q.depth()).messageCount === 8, 'queue intact');
  });

  it('times out a handshake that never comes (a silent listener) and retries, without unhandled rejections', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((sock) => void accepted.push(sock.resume())); // reads (and drops) whatever comes, so it sees our FIN
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => silent.close(r)));
    const port = (silent.address() as net.AddressInfo).port;
    const { src, events } = source({
      queue: 'none',
      url: `amqp://guest:guest@127.0.0.1:${port}`,
      startAttempts: 2,
      connectTimeoutMs: 150,
    });
    await expect(src.start({ onDelivery: () => undefined })).rejects.toMatchObject({
      code: 'BROKER_UNREACHABLE',
    });
    expect(events.filter((e) => e.type === 'reconnect-scheduled')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100)); // a late rejection would surface here as an unhandled error
    expect(accepted).toHaveLength(2);
    expect(accepted.every((s) => s.destroyed || s.readableEnded)).toBe(true); // we hung up each time
  });
});
