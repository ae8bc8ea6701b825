import { Deque } from './deque.js';
import type { QueueLog } from './durable-log.js';
import type { QueueConsumer, StoredMessage } from './message.js';

/**
 * One built-in queue: ready messages in order, the consumers (served round-robin, one message
 * each in turn, skipping a consumer that is at its prefetch limit or whose socket is full),
 * the messages delivered and not yet settled, a length limit, and optionally a durable log.
 *
 * Settling is by message: `settle` (ack, reject/nack without requeue, or a no-ack delivery)
 * forgets it, `requeue` puts messages back at the head in their original order, marked
 * redelivered. Dispatch runs on the next turn of the event loop after anything that may let a
 * message through (publish, ack, a new consumer, a drained socket), so bursts are batched.
 */

export interface QueueOptions {
  readonly name: string;
  /** most ready + unacknowledged messages; a publish over it is refused (reject-publish) */
  readonly maxLength: number;
  readonly log?: QueueLog | undefined;
  /** messages recovered from the log (already in it) */
  readonly recovered?: readonly StoredMessage[];
}

export class BrokerQueue {
  readonly name: string;
  readonly maxLength: number;
  readonly #ready = new Deque<StoredMessage>();
  readonly #unacked = new Map<number, StoredMessage>();
  #consumers: QueueConsumer[] = [];
  #rr = 0;
  #nextId = 1;
  #scheduled = false;
  #deleted = false;
  readonly #log: QueueLog | undefined;

  constructor(o: QueueOptions) {
    this.name = o.name;
    this.maxLength = o.maxLength;
    this.#log = o.log;
    for (const m of o.recovered ?? []) {
      this.#ready.push(m);
      this.#nextId = Math.max(this.#nextId, m.id + 1);
    }
  }

  get deleted(): boolean {
    return this.#deleted;
  }
  get readyCount(): number {
    return this.#ready.length;
  }
  get unackedCount(): number {
    return this.#unacked.size;
  }
  get consumerCount(): number {
    return this.#consumers.length;
  }
  /** room left under the length limit */
  get room(): number {
    return Math.max(0, this.maxLength - this.#ready.length - this.#unacked.size);
  }

  /** Append a message (false: the queue is full or deleted, nothing was stored). */
  enqueue(exchange: string, routingKey: string, props: Buffer, body: Buffer): boolean {
    if (this.#deleted || this.room === 0) return false;
    const m: StoredMessage = { id: this.#nextId++, exchange, routingKey, props, body, redelivered: false };
    this.#log?.appendPublish(m);
    this.#ready.push(m);
    this.schedule();
    return true;
  }

  /** Make every enqueued message durable (no-op in memory). */
  sync(): void {
    this.#log?.sync();
  }

  /** Take the next ready message for a basic.get (tracked as unacked unless noAck). */
  take(noAck: boolean): StoredMessage | undefined {
    const m = this.#ready.shift();
    if (m === undefined) return undefined;
    if (noAck) this.#forget(m);
    else this.#unacked.set(m.id, m);
    return m;
  }

  settle(m: StoredMessage): void {
    if (!this.#unacked.delete(m.id)) return;
    this.#forget(m);
    this.schedule();
  }

  #forget(m: StoredMessage): void {
    if (this.#log === undefined) return;
    this.#log.appendAck(m.id);
    const live = this.#ready.length + this.#unacked.size;
    if (this.#log.wantsCompaction(live)) this.#log.compact(this.#live());
  }

  *#live(): Generator<StoredMessage> {
    const all = [...this.#ready, ...this.#unacked.values()].sort((a, b) => a.id - b.id);
    yield* all;
  }

  /** Back at the head, in publish order, marked redelivered. */
  requeue(messages: readonly StoredMessage[]): void {
    const back = messages.filter((m) => this.#unacked.delete(m.id));
    if (this.#deleted || back.length === 0) return;
    back.sort((a, b) => a.id - b.id);
    for (const m of back) m.redelivered = true;
    this.#ready.unshiftAll(back);
    this.schedule();
  }

  addConsumer(c: QueueConsumer): void {
    this.#consumers.push(c);
    this.schedule();
  }

  removeConsumer(c: QueueConsumer): void {
    this.#consumers = this.#consumers.filter((x) => x !== c);
  }

  schedule(): void {
    if (this.#scheduled || this.#deleted || this.#consumers.length === 0 || this.#ready.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    let skipped = 0;
    while (this.#ready.length > 0 && this.#consumers.length > 0 && skipped < this.#consumers.length) {
      const c = this.#consumers[this.#rr++ % this.#consumers.length]!;
      if (!c.canAccept()) {
        skipped++;
        continue;
      }
      skipped = 0;
      const m = this.#ready.shift()!;
      this.#unacked.set(m.id, m);
      c.deliver(m);
    }
    if (this.#rr > 1e9) this.#rr = 0;
  }

  /** Delete: consumers are cancelled (basic.cancel to their clients), messages and log dropped. */
  delete(): number {
    if (this.#deleted) return 0;
    this.#deleted = true;
    const count = this.#ready.length;
    for (const c of this.#consumers.splice(0)) c.cancelledByServer();
    this.#ready.drain();
    this.#unacked.clear();
    this.#log?.remove();
    return count;
  }

  /** Close the log (broker shutdown), keeping its file. */
  close(): void {
    this.#log?.close();
  }
}
