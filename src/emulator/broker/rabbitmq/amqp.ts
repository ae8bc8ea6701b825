import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import type { Logger } from 'pino';
import { AmpError } from '../../../errors.js';
import { redactUrls } from '../../../telemetry/redact.js';
import { STREAM_EXCHANGE, STREAM_MESSAGE_TTL_MS } from '../routing.js';
import type { OutgoingMessage } from '../stream-broker.js';

/**
 * The emulator's own AMQP connection to the real broker (as the broker's admin user): it
 * declares the exchange and the stream queues, binds them, deletes them, and publishes
 * events with publisher confirms. Two channels: one for topology (a failing declare closes
 * it, so it is reopened on demand) and one in confirm mode for publishing. A lost
 * connection is re-established on the next call.
 */

/** Publishes in flight per confirm batch; several batches overlap (pipelining). */
const CONFIRM_BATCH = 500;
/** Batches awaiting confirms at once: 4 × 500 = 2000 unconfirmed messages at most */
const BATCHES_IN_FLIGHT = 4;

export const BROKER_HINT =
  'Start RabbitMQ (`rabbitmq-server -detached`, management plugin: `rabbitmq-plugins enable rabbitmq_management`), or point the emulator at yours with --broker-url amqp://user:pass@host:5672.';

export class Broker {
  readonly #url: string;
  readonly #logger: Logger;
  #client: AMQPClient | undefined;
  #connecting: Promise<AMQPClient> | undefined;
  #admin: AMQPChannel | undefined;
  #pub: AMQPChannel | undefined;
  #closed = false;

  /** `connectionName` is what the broker's management UI shows for this connection. */
  constructor(brokerUrl: string, logger: Logger, connectionName = 'ampstream-emulator') {
    const url = new URL(brokerUrl);
    // frameMax stays at the client's default (8 KiB): @cloudamqp/amqp-client holds one
    // frameMax-sized buffer per unconfirmed publish (and pools them), so a larger frame size
    // multiplies memory by the number of publishes in flight; events fit in 8 KiB anyway.
    if (!url.searchParams.has('name')) url.searchParams.set('name', connectionName);
    this.#url = url.href;
    this.#logger = logger;
  }

  /** Connect and declare the exchange; BROKER_UNREACHABLE when the broker does not answer. */
  async start(): Promise<void> {
    const ch = await this.#adminChannel();
    await ch.exchangeDeclare(STREAM_EXCHANGE, 'topic', { durable: true });
  }

  async #connection(): Promise<AMQPClient> {
    if (this.#closed) throw new AmpError('EMULATOR', 'the emulator is closed');
    if (this.#client !== undefined && !this.#client.closed) return this.#client;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<AMQPClient> {
    const client = new AMQPClient(this.#url, undefined, null);
    try {
      await client.connect();
    } catch (e) {
      throw new AmpError('BROKER_UNREACHABLE', `cannot connect to RabbitMQ at ${redactUrls(this.#url)}`, {
        cause: e,
        retryable: true,
        hint: BROKER_HINT,
      });
    }
    client.onerror = (err) => this.#logger.warn({ err: err.message }, 'emulator broker connection error');
    this.#client = client;
    this.#admin = undefined;
    this.#pub = undefined;
    return client;
  }

  async #adminChannel(): Promise<AMQPChannel> {
    if (this.#admin !== undefined && !this.#admin.closed && !this.#admin.connection.closed)
      return this.#admin;
    const conn = await this.#connection();
    this.#admin = await conn.channel();
    return this.#admin;
  }

  async #publishChannel(): Promise<AMQPChannel> {
    if (this.#pub !== undefined && !this.#pub.closed && !this.#pub.connection.closed) return this.#pub;
    const conn = await this.#connection();
    const ch = await conn.channel();
    await ch.confirmSelect();
    this.#pub = ch;
    return ch;
  }

  /** Declare a stream queue: durable, 10-day message TTL (idempotent). */
  async declareStreamQueue(name: string): Promise<void> {
    const ch = await this.#adminChannel();
    await ch.queueDeclare(name, { durable: true }, { 'x-message-ttl': STREAM_MESSAGE_TTL_MS });
  }

  /** Whether a queue of this name exists (passive declare on a throw-away channel). */
  async queueExists(name: string): Promise<boolean> {
    const conn = await this.#connection();
    const ch = await conn.channel();
    ch.onerror = () => undefined; // NOT_FOUND is the expected answer, not a connection problem
    try {
      await ch.queueDeclare(name, { passive: true });
      await ch.close();
      return true;
    } catch {
      return false; // NOT_FOUND closed the channel
    }
  }

  /** Messages ready in the queue (passive declare), undefined when it does not exist. */
  async queueDepth(name: string): Promise<number | undefined> {
    const conn = await this.#connection();
    const ch = await conn.channel();
    ch.onerror = () => undefined;
    try {
      const ok = await ch.queueDeclare(name, { passive: true });
      await ch.close();
      return ok.messageCount;
    } catch {
      return undefined;
    }
  }

  async bind(queue: string, keys: readonly string[]): Promise<void> {
    const ch = await this.#adminChannel();
    for (const key of keys) await ch.queueBind(queue, STREAM_EXCHANGE, key);
  }

  async unbind(queue: string, keys: readonly string[]): Promise<void> {
    const ch = await this.#adminChannel();
    for (const key of keys) await ch.queueUnbind(queue, STREAM_EXCHANGE, key);
  }

  async deleteQueue(name: string): Promise<void> {
    const ch = await this.#adminChannel();
    await ch.queueDelete(name);
  }

  /**
   * Publish persistent messages through the stream exchange and resolve once the broker has
   * confirmed every one. Publishes are pipelined: up to BATCHES_IN_FLIGHT batches of
   * CONFIRM_BATCH are outstanding at once, so the broker is never idle waiting for us.
   */
  async publish(messages: Iterable<OutgoingMessage>, exchange = STREAM_EXCHANGE): Promise<number> {
    const ch = await this.#publishChannel();
    const inFlight: Promise<unknown>[] = [];
    let batch: Promise<number>[] = [];
    let count = 0;
    const flushBatch = (): void => {
      const p = Promise.all(batch);
      p.catch(() => undefined); // awaited below; keep it from counting as unhandled meanwhile
      inFlight.push(p);
      batch = [];
    };
    try {
      for (const m of messages) {
        batch.push(
          ch.basicPublish(exchange, m.routingKey, m.body, {
            contentType: 'application/octet-stream',
            deliveryMode: 2,
            priority: 0,
            ...(m.cc.length > 0 ? { headers: { CC: [...m.cc] } } : {}),
          }),
        );
        count++;
        if (batch.length >= CONFIRM_BATCH) {
          flushBatch();
          if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
        }
      }
      if (batch.length > 0) flushBatch();
      await Promise.all(inFlight);
    } catch (e) {
      throw new AmpError('EMULATOR', 'the broker did not confirm a published event', {
        cause: e,
        retryable: true,
      });
    }
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined && !client.closed) await client.close().catch(() => undefined);
  }
}
