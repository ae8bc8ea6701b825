import { randomUUID } from 'node:crypto';
import { AMQPClient, type AMQPChannel, type AMQPMessage } from '@cloudamqp/amqp-client';
import amqplib from 'amqplib';
import { Connection as RabbitClient } from 'rabbitmq-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BROKERS,
  type CreatedStream,
  type TestEmulator,
  amqpsUrl,
  createStreamViaRest,
  withEmulator,
} from '../helpers/emulator.js';
import { failureOf } from './amqp-helpers.js';

/**
 * AMQP conformance of the emulator's streams, run against the built-in broker and against
 * RabbitMQ with the same assertions: what a stream user may do, delivery, prefetch,
 * ack/nack/reject with multiple and requeue, requeue on close, competing consumers,
 * basic.get, consumer-cancel notification, forced connection close. Driven mostly through
 * @cloudamqp/amqp-client (ampstream's own client), with amqplib and rabbitmq-client for
 * the paths every consumer takes. pika: seed-script.test.ts.
 */

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const lines = (n: number, from = 0): Buffer[] =>
  Array.from({ length: n }, (_, i) => Buffer.from(`{"n":${from + i}}`));
const nOf = (body: Uint8Array | null | undefined): number =>
  (JSON.parse(Buffer.from(body ?? []).toString('utf8')) as { n: number }).n;

describe.each(BROKERS)('AMQP conformance (%s broker)', (broker) => {
  let emu: TestEmulator;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    emu = await withEmulator({ seed: 61 }, broker);
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    await emu?.close();
  });

  async function stream(): Promise<CreatedStream> {
    // no event_type filter matters: messages are injected straight into the queue
    const s = await createStreamViaRest(emu, { name: `conf ${randomUUID()}` });
    closers.push(async () => {
      const { apiRequest } = await import('../helpers/emulator.js');
      await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`);
    });
    return s;
  }

  async function client(s: CreatedStream): Promise<AMQPClient> {
    const c = new AMQPClient(amqpsUrl(s.amqp_credentials), { ca: emu.caPem }, null);
    await c.connect();
    closers.push(() => (c.closed ? Promise.resolve() : c.close()));
    return c;
  }

  /** Consume into an array; ack is left to the test. */
  async function collect(
    ch: AMQPChannel,
    queue: string,
  ): Promise<{ got: AMQPMessage[]; cancel: () => Promise<unknown> }> {
    const got: AMQPMessage[] = [];
    const consumer = await ch.basicConsume(queue, { noAck: false }, (m) => void got.push(m));
    return { got, cancel: () => consumer.cancel() };
  }

  describe('@cloudamqp/amqp-client', () => {
    it('refuses a wrong password with ACCESS_REFUSED', async () => {
      const s = await stream();
      const c = new AMQPClient(
        amqpsUrl({ ...s.amqp_credentials, password: 'wrong' }),
        { ca: emu.caPem },
        null,
      );
      expect(await failureOf(() => c.connect())).toMatch(/ACCESS_REFUSED|403/);
    });

    it('answers a passive declare of a missing queue with 404 NOT_FOUND and of its own with the count', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(3));
      const c = await client(s);
      const ch = await c.channel();
      expect((await ch.queueDeclare(s.amqp_credentials.queue_name, { passive: true })).messageCount).toBe(3);
      expect(
        await failureOf(() => ch.queueDeclare(`event_stream_missing_${Date.now()}`, { passive: true })),
      ).toMatch(/NOT_FOUND/);
    });

    it("refuses a non-passive declare and reading another stream's queue with ACCESS_REFUSED", async () => {
      const a = await stream();
      const b = await stream();
      const c = await client(a);
      const ch1 = await c.channel();
      expect(
        await failureOf(() => ch1.queueDeclare(a.amqp_credentials.queue_name, { durable: true })),
      ).toContain('ACCESS_REFUSED');
      const ch2 = await c.channel();
      expect(
        await failureOf(() => ch2.basicConsume(b.amqp_credentials.queue_name, {}, () => undefined)),
      ).toContain('ACCESS_REFUSED');
      const ch3 = await c.channel();
      expect(await failureOf(() => ch3.basicGet(b.amqp_credentials.queue_name))).toContain('ACCESS_REFUSED');
    });

    it('delivers no more than the prefetch count before an ack', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(10));
      const c = await client(s);
      const ch = await c.channel();
      await ch.basicQos(3);
      const { got } = await collect(ch, s.amqp_credentials.queue_name);
      await until(() => got.length === 3, 'three deliveries');
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toHaveLength(3);
      await got[2]!.ack(true); // multiple: acks 1..3
      await until(() => got.length === 6, 'three more');
      expect(got.map((m) => nOf(m.body))).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('requeues nacked messages at the head in order, marked redelivered', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(5));
      const c = await client(s);
      const ch = await c.channel();
      await ch.basicQos(5);
      const { got, cancel } = await collect(ch, s.amqp_credentials.queue_name);
      await until(() => got.length === 5, 'five deliveries');
      await cancel();
      await got[3]!.nack(true, true); // 0..3 back; 4 stays unacked
      const back: AMQPMessage[] = [];
      for (let i = 0; i < 4; i++)
        back.push((await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false }))!);
      expect(back.map((m) => nOf(m.body))).toEqual([0, 1, 2, 3]);
      expect(back.every((m) => m.redelivered)).toBe(true);
      expect(await ch.basicGet(s.amqp_credentials.queue_name)).toBeNull();
      for (const m of back) await m.ack();
      await got[4]!.ack();
    });

    it('requeues every unacked delivery of the channel on nack(0, multiple, requeue), as ampstream does when it stops', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(4));
      const c = await client(s);
      const ch = await c.channel();
      const { got, cancel } = await collect(ch, s.amqp_credentials.queue_name);
      await until(() => got.length === 4, 'four deliveries');
      await cancel();
      await ch.basicNack(0, true, true);
      await until(async () => (await emu.queueDepth(s.id)) === 4, 'all four back');
    });

    it('drops a message rejected without requeue, and requeues one rejected with requeue', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(2));
      const c = await client(s);
      const ch = await c.channel();
      const first = (await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false }))!;
      const second = (await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false }))!;
      await first.reject(false);
      await second.reject(true);
      const again = (await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false }))!;
      expect(nOf(again.body)).toBe(1);
      expect(again.redelivered).toBe(true);
      await again.ack();
      expect(await emu.queueDepth(s.id)).toBe(0);
    });

    it('closes the channel with 406 PRECONDITION_FAILED on an unknown delivery tag', async () => {
      const s = await stream();
      const c = await client(s);
      const ch = await c.channel();
      const closed = new Promise<string>((resolve) => {
        ch.onerror = (reason) => resolve(reason);
      });
      await ch.basicAck(42);
      expect(await closed).toMatch(/PRECONDITION_FAILED|406/);
      // the connection survives a channel error
      const ch2 = await c.channel();
      await ch2.queueDeclare(s.amqp_credentials.queue_name, { passive: true });
    });

    it('requeues every unacked delivery when the channel closes, and when the connection closes', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(4));
      const c = await client(s);
      const ch = await c.channel();
      const { got } = await collect(ch, s.amqp_credentials.queue_name);
      await until(() => got.length === 4, 'four deliveries');
      await ch.close();
      await until(async () => (await emu.queueDepth(s.id)) === 4, 'the requeue on channel close');
      const ch2 = await c.channel();
      const second = await collect(ch2, s.amqp_credentials.queue_name);
      await until(() => second.got.length === 4, 'four redeliveries');
      expect(second.got.every((m) => m.redelivered)).toBe(true);
      expect(second.got.map((m) => nOf(m.body))).toEqual([0, 1, 2, 3]);
      await c.close();
      await until(async () => (await emu.queueDepth(s.id)) === 4, 'the requeue on connection close');
    });

    it('shares a queue between competing consumers round-robin', async () => {
      const s = await stream();
      const c = await client(s);
      const chA = await c.channel();
      const chB = await c.channel();
      const a = await collect(chA, s.amqp_credentials.queue_name);
      const b = await collect(chB, s.amqp_credentials.queue_name);
      await emu.inject(s.id, lines(10));
      await until(() => a.got.length + b.got.length === 10, 'ten deliveries');
      expect(a.got.length).toBe(5);
      expect(b.got.length).toBe(5);
      for (const m of [...a.got, ...b.got]) await m.ack();
    });

    it('answers basic.get on an empty queue with get-empty', async () => {
      const s = await stream();
      const c = await client(s);
      const ch = await c.channel();
      expect(await ch.basicGet(s.amqp_credentials.queue_name)).toBeNull();
    });

    it('delivers a message larger than frame-max split into body frames, bytes unchanged', async () => {
      const s = await stream();
      const big = Buffer.alloc(300_000, 0x61);
      big.write('{"n":7,"pad":"', 0);
      big.write('"}', big.length - 2);
      await emu.inject(s.id, [big]);
      const c = await client(s);
      const ch = await c.channel();
      const m = (await ch.basicGet(s.amqp_credentials.queue_name, { noAck: true }))!;
      expect(Buffer.from(m.body!).equals(big)).toBe(true);
    });

    it('notifies a consumer with basic.cancel when its queue is deleted under it', async () => {
      const s = await stream();
      const c = await client(s);
      const ch = await c.channel();
      const consumer = await ch.basicConsume(s.amqp_credentials.queue_name, {}, () => undefined);
      const ended = consumer.wait().then(
        () => 'ended',
        (e: Error) => e.message,
      );
      await emu.deleteStreamQueue(s.id);
      expect(await ended).toMatch(/cancel/i);
    });

    it('tells the consumer with basic.cancel when its stream is deleted through the API', async () => {
      const s = await createStreamViaRest(emu, { name: `conf ${randomUUID()}` });
      const c = await client(s);
      const ch = await c.channel();
      const consumer = await ch.basicConsume(s.amqp_credentials.queue_name, {}, () => undefined);
      const ended = consumer.wait().then(
        () => 'ended',
        (e: Error) => e.message,
      );
      const { apiRequest } = await import('../helpers/emulator.js');
      expect((await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`)).status).toBe(200);
      expect(await ended).toMatch(/cancel/i);
      // and the deleted user cannot come back
      const again = new AMQPClient(amqpsUrl(s.amqp_credentials), { ca: emu.caPem }, null);
      expect(await failureOf(() => again.connect())).toMatch(/ACCESS_REFUSED|403/);
    });

    it('closes every connection of the stream user on request (320 CONNECTION_FORCED)', async () => {
      const s = await stream();
      const c = await client(s);
      const closed = new Promise<void>((resolve) => {
        c.onerror = () => resolve();
      });
      await c.channel();
      await until(async () => (await emu.closeStreamConnections(s.id)) === 1, 'the connection to be listed');
      await closed;
      await until(() => c.closed, 'the client to see the close');
    });
  });

  describe('amqplib', () => {
    it('consumes, acks, and gets a nacked message back redelivered', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(3));
      const conn = await amqplib.connect(amqpsUrl(s.amqp_credentials), {
        ca: [emu.caPem],
        servername: 'localhost',
      });
      closers.push(() => conn.close());
      const ch = await conn.createChannel();
      expect((await ch.checkQueue(s.amqp_credentials.queue_name)).messageCount).toBe(3);
      await ch.prefetch(10);
      const got: amqplib.ConsumeMessage[] = [];
      await ch.consume(s.amqp_credentials.queue_name, (m) => {
        if (m !== null) got.push(m);
      });
      await until(() => got.length === 3, 'three deliveries');
      ch.ack(got[0]!);
      ch.nack(got[1]!, false, true);
      await until(() => got.length === 4, 'the redelivery');
      expect(nOf(got[3]!.content)).toBe(1);
      expect(got[3]!.fields.redelivered).toBe(true);
      ch.ackAll();
      await until(async () => (await emu.queueDepth(s.id)) === 0, 'an empty queue');
    });

    it('sees ACCESS_REFUSED for a wrong password and NOT_FOUND for a missing queue', async () => {
      const s = await stream();
      expect(
        await failureOf(() =>
          amqplib.connect(amqpsUrl({ ...s.amqp_credentials, password: 'nope' }), { ca: [emu.caPem] }),
        ),
      ).toMatch(/ACCESS_REFUSED|403/);
      const conn = await amqplib.connect(amqpsUrl(s.amqp_credentials), { ca: [emu.caPem] });
      closers.push(() => conn.close());
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      expect(await failureOf(() => ch.checkQueue('event_stream_does_not_exist'))).toMatch(/NOT_FOUND|404/);
    });
  });

  describe('rabbitmq-client', () => {
    it('consumes with its Consumer (auto ack) and is told when the queue is deleted', async () => {
      const s = await stream();
      await emu.inject(s.id, lines(5));
      const rabbit = new RabbitClient({
        url: amqpsUrl(s.amqp_credentials),
        tls: { ca: emu.caPem, servername: 'localhost' },
        retryLow: 50,
        retryHigh: 200,
      });
      closers.push(() => rabbit.close());
      const got: number[] = [];
      const errors: string[] = [];
      const sub = rabbit.createConsumer(
        { queue: s.amqp_credentials.queue_name, queueOptions: { passive: true }, qos: { prefetchCount: 2 } },
        async (msg) => {
          got.push(nOf(msg.body as Buffer));
        },
      );
      sub.on('error', (e: Error) => errors.push(e.message));
      closers.push(() => sub.close());
      await until(() => got.length === 5, 'five messages');
      expect(got).toEqual([0, 1, 2, 3, 4]);
      await until(async () => (await emu.queueDepth(s.id)) === 0, 'the acks');
      await emu.deleteStreamQueue(s.id);
      await until(() => errors.length > 0, 'the consumer error');
      expect(errors.join(' ')).toMatch(/cancel|NOT_FOUND/i);
    });
  });
});
