import { randomBytes } from 'node:crypto';
import { type MethodArgs, encodeMethod, num, str } from './codec.js';
import { encodeDeliver, encodeGetOk } from './content.js';
import type { QueueConsumer, StoredMessage } from './message.js';
import { CONSTANTS, METHOD, type MethodSpec } from './protocol.generated.js';
import type { BrokerQueue } from './queue.js';

/**
 * One AMQP channel of a built-in broker connection: consumers, delivery tags, the unacked
 * deliveries, prefetch (basic.qos as RabbitMQ reads it: global=false limits each consumer
 * created afterwards, global=true the whole channel), and the methods a stream user may call.
 * Everything a stream user may not do is answered as RabbitMQ answers a user whose
 * permissions are configure '^$', write '^$', read '^<own queue>$': ACCESS_REFUSED.
 */

/** What a channel needs from its connection. */
export interface ChannelHost {
  readonly user: string;
  readonly frameMax: number;
  send(frame: Buffer): void;
  /** whether the socket's write buffer has room for more deliveries */
  writable(): boolean;
  queue(name: string): BrokerQueue | undefined;
  mayRead(queue: string): boolean;
  /** a hard error: connection.close with this code */
  fail(code: number, text: string, spec?: MethodSpec): void;
}

export class ChannelError extends Error {
  constructor(
    readonly replyCode: number,
    text: string,
  ) {
    super(text);
  }
}

interface Delivery {
  readonly queue: BrokerQueue;
  readonly message: StoredMessage;
  readonly consumer: Consumer | undefined;
}

class Consumer implements QueueConsumer {
  unacked = 0;
  constructor(
    readonly channel: Channel,
    readonly tag: string,
    readonly queue: BrokerQueue,
    readonly noAck: boolean,
    readonly limit: number,
  ) {}
  canAccept(): boolean {
    return this.channel.canAccept(this);
  }
  deliver(m: StoredMessage): void {
    this.channel.deliver(this, m);
  }
  cancelledByServer(): void {
    this.channel.serverCancel(this);
  }
}

const notFound = (q: string): ChannelError =>
  new ChannelError(CONSTANTS.NOT_FOUND, `NOT_FOUND - no queue '${q}' in vhost '/'`);

export class Channel {
  readonly id: number;
  readonly #host: ChannelHost;
  readonly #consumers = new Map<string, Consumer>();
  readonly #unacked = new Map<number, Delivery>();
  #nextTag = 1;
  #consumerPrefetch = 0;
  #channelPrefetch = 0;
  #flow = true;
  /** a publish whose content frames are being skipped before it is refused */
  #publishing: { exchange: string; remaining: number | undefined } | undefined;

  constructor(id: number, host: ChannelHost) {
    this.id = id;
    this.#host = host;
  }

  #reply(key: number, args: MethodArgs = {}): void {
    this.#host.send(encodeMethod(this.id, key, args));
  }

  canAccept(c: Consumer): boolean {
    if (!this.#flow || !this.#host.writable()) return false;
    if (c.limit > 0 && c.unacked >= c.limit) return false;
    return this.#channelPrefetch === 0 || this.#unacked.size < this.#channelPrefetch;
  }

  deliver(c: Consumer, m: StoredMessage): void {
    const tag = this.#nextTag++;
    this.#host.send(encodeDeliver(this.id, this.#host.frameMax, c.tag, tag, m));
    if (c.noAck) c.queue.settle(m);
    else {
      c.unacked++;
      this.#unacked.set(tag, { queue: c.queue, message: m, consumer: c });
    }
  }

  /** The queue was deleted under this consumer: consumer_cancel_notify. */
  serverCancel(c: Consumer): void {
    this.#consumers.delete(c.tag);
    this.#reply(METHOD.basicCancel, { consumerTag: c.tag, nowait: true });
  }

  /** A frame other than a method on this channel: content of a basic.publish. */
  content(type: number, payload: Buffer): void {
    const p = this.#publishing;
    if (p === undefined)
      throw new ChannelError(CONSTANTS.UNEXPECTED_FRAME, 'UNEXPECTED_FRAME - content without a publish');
    if (type === CONSTANTS.FRAME_HEADER) p.remaining = Number(payload.readBigUInt64BE(4));
    else if (p.remaining !== undefined) p.remaining -= payload.length;
    if (p.remaining !== undefined && p.remaining <= 0) {
      this.#publishing = undefined;
      throw new ChannelError(
        CONSTANTS.ACCESS_REFUSED,
        `ACCESS_REFUSED - write access to exchange '${p.exchange || 'amq.default'}' in vhost '/' refused for user '${this.#host.user}'`,
      );
    }
  }

  get awaitingContent(): boolean {
    return this.#publishing !== undefined;
  }

  /** A method from the client; a ChannelError thrown here closes the channel. */
  method(spec: MethodSpec, a: MethodArgs): void {
    switch (spec.key) {
      case METHOD.basicAck:
        return this.#settle(num(a['deliveryTag']), a['multiple'] === true, 'ack');
      case METHOD.basicNack:
        return this.#settle(
          num(a['deliveryTag']),
          a['multiple'] === true,
          a['requeue'] === true ? 'requeue' : 'drop',
        );
      case METHOD.basicReject:
        return this.#settle(num(a['deliveryTag']), false, a['requeue'] === true ? 'requeue' : 'drop');
      case METHOD.basicQos:
        return this.#qos(a);
      case METHOD.basicConsume:
        return this.#consume(a);
      case METHOD.basicCancel: {
        const tag = str(a['consumerTag']);
        const c = this.#consumers.get(tag);
        if (c !== undefined) {
          this.#consumers.delete(tag);
          c.queue.removeConsumer(c);
        }
        if (a['nowait'] !== true) this.#reply(METHOD.basicCancelOk, { consumerTag: tag });
        return;
      }
      case METHOD.basicGet:
        return this.#get(a);
      case METHOD.basicRecover:
      case METHOD.basicRecoverAsync:
        this.#requeueAll();
        if (spec.key === METHOD.basicRecover) this.#reply(METHOD.basicRecoverOk);
        return;
      case METHOD.basicPublish:
        this.#publishing = { exchange: str(a['exchange']), remaining: undefined };
        return;
      case METHOD.queueDeclare:
        return this.#declare(a);
      case METHOD.exchangeDeclare: {
        const name = str(a['exchange']);
        if (a['passive'] !== true)
          throw new ChannelError(
            CONSTANTS.ACCESS_REFUSED,
            `ACCESS_REFUSED - access to exchange '${name}' in vhost '/' refused for user '${this.#host.user}'`,
          );
        if (name !== '' && name !== 'events_api_stream' && !name.startsWith('amq.'))
          throw new ChannelError(CONSTANTS.NOT_FOUND, `NOT_FOUND - no exchange '${name}' in vhost '/'`);
        if (a['nowait'] !== true) this.#reply(METHOD.exchangeDeclareOk);
        return;
      }
      case METHOD.queueBind:
      case METHOD.queueUnbind:
      case METHOD.queuePurge:
      case METHOD.queueDelete:
      case METHOD.exchangeDelete:
      case METHOD.exchangeBind:
      case METHOD.exchangeUnbind: {
        const what = spec.name.startsWith('queue') ? 'queue' : 'exchange';
        const name = str(a[what === 'queue' ? 'queue' : 'destination'] ?? a['exchange']);
        throw new ChannelError(
          CONSTANTS.ACCESS_REFUSED,
          `ACCESS_REFUSED - access to ${what} '${name}' in vhost '/' refused for user '${this.#host.user}'`,
        );
      }
      case METHOD.confirmSelect:
        if (a['nowait'] !== true) this.#reply(METHOD.confirmSelectOk);
        return;
      case METHOD.channelFlow:
        this.#flow = a['active'] === true;
        this.#reply(METHOD.channelFlowOk, { active: this.#flow });
        if (this.#flow) this.#reschedule();
        return;
      case METHOD.accessRequest:
        this.#reply(METHOD.accessRequestOk, { ticket: 1 });
        return;
      default:
        this.#host.fail(CONSTANTS.NOT_IMPLEMENTED, `NOT_IMPLEMENTED - ${spec.name} is not supported`, spec);
    }
  }

  #qos(a: MethodArgs): void {
    if (num(a['prefetchSize']) !== 0) {
      this.#host.fail(
        CONSTANTS.NOT_IMPLEMENTED,
        `NOT_IMPLEMENTED - prefetch_size!=0 (${num(a['prefetchSize'])})`,
      );
      return;
    }
    const count = num(a['prefetchCount']);
    if (a['global'] === true) this.#channelPrefetch = count;
    else this.#consumerPrefetch = count;
    this.#reply(METHOD.basicQosOk);
    this.#reschedule();
  }

  #readable(name: string): BrokerQueue {
    if (!this.#host.mayRead(name))
      throw new ChannelError(
        CONSTANTS.ACCESS_REFUSED,
        `ACCESS_REFUSED - read access to queue '${name}' in vhost '/' refused for user '${this.#host.user}'`,
      );
    const q = this.#host.queue(name);
    if (q === undefined) throw notFound(name);
    return q;
  }

  #declare(a: MethodArgs): void {
    const name = str(a['queue']);
    if (a['passive'] !== true)
      throw new ChannelError(
        CONSTANTS.ACCESS_REFUSED,
        `ACCESS_REFUSED - configure access to queue '${name}' in vhost '/' refused for user '${this.#host.user}'`,
      );
    // as RabbitMQ: a passive declare checks no permission, it reveals existence and counts
    const q = this.#host.queue(name);
    if (q === undefined) throw notFound(name);
    if (a['nowait'] !== true)
      this.#reply(METHOD.queueDeclareOk, {
        queue: name,
        messageCount: q.readyCount,
        consumerCount: q.consumerCount,
      });
  }

  #consume(a: MethodArgs): void {
    const q = this.#readable(str(a['queue']));
    let tag = str(a['consumerTag']);
    if (tag === '') tag = `amq.ctag-${randomBytes(16).toString('base64url')}`;
    if (this.#consumers.has(tag)) {
      this.#host.fail(CONSTANTS.NOT_ALLOWED, `NOT_ALLOWED - attempt to reuse consumer tag '${tag}'`);
      return;
    }
    if (a['exclusive'] === true && q.consumerCount > 0)
      throw new ChannelError(
        CONSTANTS.ACCESS_REFUSED,
        `ACCESS_REFUSED - queue '${q.name}' in vhost '/' in exclusive use`,
      );
    const c = new Consumer(this, tag, q, a['noAck'] === true, this.#consumerPrefetch);
    this.#consumers.set(tag, c);
    if (a['nowait'] !== true) this.#reply(METHOD.basicConsumeOk, { consumerTag: tag });
    q.addConsumer(c);
  }

  #get(a: MethodArgs): void {
    const q = this.#readable(str(a['queue']));
    const noAck = a['noAck'] === true;
    const m = q.take(noAck);
    if (m === undefined) {
      this.#reply(METHOD.basicGetEmpty, { clusterId: '' });
      return;
    }
    const tag = this.#nextTag++;
    if (!noAck) this.#unacked.set(tag, { queue: q, message: m, consumer: undefined });
    this.#host.send(encodeGetOk(this.id, this.#host.frameMax, tag, m, q.readyCount));
  }

  #settle(tag: number, multiple: boolean, how: 'ack' | 'requeue' | 'drop'): void {
    const done: Delivery[] = [];
    if (multiple) {
      for (const [t, d] of this.#unacked) {
        if (tag !== 0 && t > tag) break;
        done.push(d);
        this.#unacked.delete(t);
      }
      if (done.length === 0 && tag !== 0)
        throw new ChannelError(
          CONSTANTS.PRECONDITION_FAILED,
          `PRECONDITION_FAILED - unknown delivery tag ${tag}`,
        );
    } else {
      const d = this.#unacked.get(tag);
      if (d === undefined)
        throw new ChannelError(
          CONSTANTS.PRECONDITION_FAILED,
          `PRECONDITION_FAILED - unknown delivery tag ${tag}`,
        );
      this.#unacked.delete(tag);
      done.push(d);
    }
    this.#finish(done, how);
  }

  #finish(done: readonly Delivery[], how: 'ack' | 'requeue' | 'drop'): void {
    const requeue = new Map<BrokerQueue, StoredMessage[]>();
    for (const d of done) {
      if (d.consumer !== undefined) d.consumer.unacked--;
      if (how === 'requeue') {
        const list = requeue.get(d.queue);
        if (list === undefined) requeue.set(d.queue, [d.message]);
        else list.push(d.message);
      } else d.queue.settle(d.message);
    }
    for (const [q, list] of requeue) q.requeue(list);
    this.#reschedule();
  }

  #requeueAll(): void {
    const all = [...this.#unacked.values()];
    this.#unacked.clear();
    this.#finish(all, 'requeue');
  }

  /** Capacity may have freed up: let the queues we consume from dispatch again. */
  #reschedule(): void {
    for (const c of this.#consumers.values()) c.queue.schedule();
  }

  /** The socket drained. */
  resume(): void {
    this.#reschedule();
  }

  /** Channel or connection closed: cancel consumers, requeue every unacked delivery. */
  release(): void {
    for (const c of this.#consumers.values()) c.queue.removeConsumer(c);
    this.#consumers.clear();
    this.#publishing = undefined;
    this.#requeueAll();
  }
}
