import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import type { EventSet } from './events.js';

/**
 * The bench's own view of the local RabbitMQ: fill a queue with publisher confirms, probe its
 * depth, delete it. Only 127.0.0.1, only queues whose names start with BENCH_QUEUE_PREFIX.
 */

export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const BENCH_QUEUE_PREFIX = 'ampstream_bench_';
/** Unconfirmed publishes allowed in flight while filling (a window, not one by one). */
const CONFIRM_WINDOW = 2000; // messages
/** Publishes awaited together when the window is full. */
const CONFIRM_BATCH = 500; // messages

export interface Broker {
  /** Delete the queue if it exists, then declare it durable and empty. */
  recreateQueue(queue: string): Promise<void>;
  /** Ready messages in the queue (passive declare), or undefined if it does not exist. */
  depth(queue: string): Promise<number | undefined>;
  deleteQueue(queue: string): Promise<void>;
  /**
   * Publish the first n events of the set, persistent, with confirms. Returns the payload
   * bytes sent and the ids of the events at `sample` indices (ascending), as published.
   */
  fill(
    queue: string,
    events: EventSet,
    n: number,
    sample: readonly number[],
    onProgress?: (done: number) => void,
  ): Promise<FillResult>;
  close(): Promise<void>;
}

export interface FillResult {
  readonly bytes: number;
  readonly sampledIds: readonly string[];
}

function assertBenchQueue(queue: string): void {
  if (!queue.startsWith(BENCH_QUEUE_PREFIX))
    throw new Error(`refusing to touch queue "${queue}" (not a bench queue)`);
}

/** Reconnect attempts after the broker went away (other people's tests restart it). */
const RECONNECT_TRIES = 60;
const RECONNECT_DELAY_MS = 2000;

export async function connectBroker(url = BROKER_URL): Promise<Broker> {
  if (!/^amqp:\/\/[^@]*@127\.0\.0\.1:\d+/.test(url)) throw new Error('the bench only runs against 127.0.0.1');
  let client: AMQPClient | undefined;
  let probe: AMQPChannel | undefined;
  /** The connection, re-opened (for up to ~2 min) if the broker closed or restarted it. */
  const conn = async (): Promise<AMQPClient> => {
    for (let i = 0; client === undefined || client.closed; i++) {
      const c = new AMQPClient(url);
      try {
        await c.connect();
        client = c;
        probe = undefined;
      } catch (e) {
        if (i >= RECONNECT_TRIES) throw e;
        await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
      }
    }
    return client;
  };
  await conn();
  // A passive declare of a missing queue closes its channel: probe on a channel we can lose.
  const probeChannel = async (): Promise<AMQPChannel> => {
    const c = await conn();
    if (probe === undefined || probe.closed) probe = await c.channel();
    return probe;
  };

  return {
    async recreateQueue(queue) {
      assertBenchQueue(queue);
      const ch = await (await conn()).channel();
      await ch.queueDelete(queue);
      await ch.queueDeclare(queue, { durable: true, autoDelete: false, exclusive: false });
      await ch.close();
    },
    async depth(queue) {
      assertBenchQueue(queue);
      try {
        const ch = await probeChannel();
        return (await ch.queueDeclare(queue, { passive: true })).messageCount;
      } catch {
        return undefined;
      }
    },
    async deleteQueue(queue) {
      assertBenchQueue(queue);
      const ch = await (await conn()).channel();
      await ch.queueDelete(queue);
      await ch.close();
    },
    async fill(queue, events, n, sample, onProgress) {
      assertBenchQueue(queue);
      const stream = events.open();
      const sampledIds: string[] = [];
      let nextSample = 0;
      const ch = await (await conn()).channel();
      await ch.confirmSelect();
      const props = { deliveryMode: 2, contentType: 'application/octet-stream', priority: 0 };
      let pending: Promise<number>[] = [];
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const { id, body } = stream.next();
        if (sample[nextSample] === i) {
          sampledIds.push(id);
          nextSample++;
        }
        bytes += body.length;
        pending.push(ch.basicPublish('', queue, body, props));
        if (pending.length >= CONFIRM_WINDOW) {
          await Promise.all(pending.slice(0, CONFIRM_BATCH));
          pending = pending.slice(CONFIRM_BATCH);
          onProgress?.(i + 1 - pending.length);
        }
      }
      await Promise.all(pending);
      onProgress?.(n);
      await ch.close();
      return { bytes, sampledIds };
    },
    async close() {
      if (client !== undefined && !client.closed) await client.close();
    },
  };
}
