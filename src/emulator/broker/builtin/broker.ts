import { mkdirSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { encodeProperties, type FieldTable } from './codec.js';
import { BrokerConnection, type ConnectionContext } from './connection.js';
import { QueueLog, readLog } from './durable-log.js';
import { CONSTANTS } from './protocol.generated.js';
import { BrokerQueue } from './queue.js';
import { compileTopic } from './topic.js';
import { UserRegistry } from './users.js';

/**
 * The emulator's built-in AMQP 0-9-1 broker: in process, serving what a Secure Endpoint
 * stream serves (see docs/emulator.md, "The built-in broker"). It owns the queues, the
 * per-stream users and the topic bindings of the stream exchange, and adopts client sockets
 * (cleartext streams handed over by the TLS listener) as connections.
 *
 * Messages from the emulator itself (generated events, injected lines) are enqueued
 * directly; no AMQP round trip. With a data dir every queue has an append-only log and
 * `publish`/`inject` fsync before they resolve.
 */

export interface BuiltinBrokerOptions {
  readonly logger: Logger;
  /** (default=undefined: in memory) directory for the queue logs */
  readonly dataDir?: string | undefined;
  /** most messages (ready + unacked) per queue */
  readonly maxQueueLength: number;
  /** (default=131072) largest frame the broker offers in connection.tune */
  readonly frameMax?: number;
  /** (default=60) heartbeat interval the broker suggests, in seconds */
  readonly heartbeat?: number;
  readonly version: string;
}

export interface RoutedMessage {
  readonly exchange: string;
  readonly routingKey: string;
  /** sender-selected distribution keys (the CC header), also matched against bindings */
  readonly cc: readonly string[];
  readonly properties: FieldTable & { headers?: FieldTable };
  readonly body: Buffer;
}

export const DEFAULT_MAX_QUEUE_LENGTH = 1_000_000;
const CHANNEL_MAX = 2047;

export class BuiltinBroker {
  readonly #o: BuiltinBrokerOptions;
  readonly #queues = new Map<string, BrokerQueue>();
  readonly #bindings = new Map<string, Map<string, (key: string) => boolean>>();
  readonly #users = new UserRegistry();
  readonly #connections = new Set<BrokerConnection>();
  readonly #ctx: ConnectionContext;
  readonly #queueDir: string | undefined;

  constructor(o: BuiltinBrokerOptions) {
    this.#o = o;
    this.#queueDir = o.dataDir;
    if (this.#queueDir !== undefined) mkdirSync(this.#queueDir, { recursive: true, mode: 0o700 });
    this.#ctx = {
      serverProperties: {
        product: 'ampstream emulator',
        version: o.version,
        platform: `Node.js ${process.version}`,
        information: 'the built-in AMQP 0-9-1 broker of the ampstream emulator',
        capabilities: {
          publisher_confirms: true,
          exchange_exchange_bindings: false,
          'basic.nack': true,
          consumer_cancel_notify: true,
          'connection.blocked': true,
          authentication_failure_close: true,
          per_consumer_qos: true,
          direct_reply_to: false,
        },
      },
      frameMax: o.frameMax ?? 131_072,
      channelMax: CHANNEL_MAX,
      heartbeat: o.heartbeat ?? 60,
      authenticate: (u, p) => this.#users.authenticate(u, p),
      queue: (name) => this.#queues.get(name),
      mayRead: (u, q) => this.#users.mayRead(u, q),
      opened: (c) => this.#connections.add(c),
      closed: (c) => this.#connections.delete(c),
    };
  }

  /** Serve one client over `socket` (a TLS socket after its handshake, or plain TCP). */
  adopt(socket: Duplex): void {
    const c = new BrokerConnection(socket, this.#ctx);
    // counted from the start so that close() reaches connections still negotiating
    this.#connections.add(c);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  queueExists(name: string): boolean {
    return this.#queues.has(name);
  }

  /** Declare (idempotent); with a data dir the queue's log is replayed. */
  declareQueue(name: string): void {
    if (this.#queues.has(name)) return;
    let log: QueueLog | undefined;
    let recovered: ReturnType<typeof readLog> = [];
    if (this.#queueDir !== undefined) {
      recovered = readLog(`${this.#queueDir}/${name}.log`);
      log = new QueueLog(this.#queueDir, name);
    }
    this.#queues.set(name, new BrokerQueue({ name, maxLength: this.#o.maxQueueLength, log, recovered }));
    if (recovered.length > 0)
      this.#o.logger.info({ queue: name, messages: recovered.length }, 'emulator broker: queue recovered');
  }

  /** Delete: consumers get basic.cancel, the messages and the log are dropped. */
  deleteQueue(name: string): number {
    const q = this.#queues.get(name);
    if (q === undefined) return 0;
    this.#queues.delete(name);
    this.#bindings.delete(name);
    return q.delete();
  }

  bind(queue: string, keys: readonly string[]): void {
    let b = this.#bindings.get(queue);
    if (b === undefined) {
      b = new Map<string, (key: string) => boolean>();
      this.#bindings.set(queue, b);
    }
    for (const k of keys) if (!b.has(k)) b.set(k, compileTopic(k));
  }

  unbind(queue: string, keys: readonly string[]): void {
    const b = this.#bindings.get(queue);
    for (const k of keys) b?.delete(k);
  }

  putUser(name: string, password: string, readQueue: string): void {
    this.#users.put(name, password, readQueue);
  }

  /** Delete the user and close its connections (320 CONNECTION_FORCED), as a deleted stream. */
  deleteUser(name: string): void {
    this.#users.delete(name);
    this.closeConnectionsOf(name, 'CONNECTION_FORCED - user deleted');
  }

  /** Fault injection: connection.close 320 to every connection of `user`. */
  closeConnectionsOf(
    user: string,
    text = 'CONNECTION_FORCED - closed by the emulator (fault injection)',
  ): number {
    let n = 0;
    for (const c of [...this.#connections]) {
      if (c.user !== user) continue;
      c.close(CONSTANTS.CONNECTION_FORCED, text);
      n++;
    }
    return n;
  }

  /** Fault injection: cut every socket without a close frame. */
  dropConnections(): void {
    for (const c of [...this.#connections]) c.destroy();
  }

  queueDepth(name: string): number | undefined {
    return this.#queues.get(name)?.readyCount;
  }

  /** Route through the stream exchange's bindings; returns how many messages went to >= 1 queue. */
  publish(messages: Iterable<RoutedMessage>): number {
    let routed = 0;
    const touched = new Set<BrokerQueue>();
    for (const m of messages) {
      const props = encodeProperties(m.properties);
      let any = false;
      for (const [queue, bindings] of this.#bindings) {
        if (!this.#matches(bindings, m)) continue;
        const q = this.#queues.get(queue);
        if (q === undefined) continue;
        if (q.enqueue(m.exchange, m.routingKey, props, m.body)) {
          any = true;
          touched.add(q);
        } else this.#warnFull(queue);
      }
      if (any) routed++;
    }
    for (const q of touched) q.sync();
    return routed;
  }

  readonly #lastFullWarning = new Map<string, number>();

  /** At most one warning per queue every 10 s (a --rate publisher would repeat it per event). */
  #warnFull(queue: string): void {
    const now = Date.now();
    if (now - (this.#lastFullWarning.get(queue) ?? 0) < 10_000) return;
    this.#lastFullWarning.set(queue, now);
    this.#o.logger.warn(
      { queue, maxQueueLength: this.#o.maxQueueLength },
      'emulator broker: queue full (--max-queue-length), events for it are not queued',
    );
  }

  #matches(bindings: Map<string, (key: string) => boolean>, m: RoutedMessage): boolean {
    for (const test of bindings.values()) {
      if (test(m.routingKey)) return true;
      for (const cc of m.cc) if (test(cc)) return true;
    }
    return false;
  }

  /** Room left in a queue (for all-or-nothing injection). */
  room(name: string): number {
    return this.#queues.get(name)?.room ?? 0;
  }

  /** Put bodies straight into one queue (the injection endpoint); all or nothing, durable on return. */
  inject(queue: string, properties: FieldTable, bodies: readonly Buffer[]): boolean {
    const q = this.#queues.get(queue);
    if (q === undefined || q.room < bodies.length) return false;
    const props = encodeProperties(properties);
    // copied: a message must not keep its whole request body alive until it is acknowledged
    for (const b of bodies) q.enqueue('', queue, props, Buffer.from(b));
    q.sync();
    return true;
  }

  close(): void {
    for (const c of [...this.#connections]) c.destroy();
    this.#connections.clear();
    for (const q of this.#queues.values()) q.close();
    this.#queues.clear();
  }
}
