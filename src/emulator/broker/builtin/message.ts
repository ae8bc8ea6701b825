/** A message as a built-in broker queue holds it. */
export interface StoredMessage {
  /** per queue, increasing in publish order: requeues restore this order, the log keys on it */
  readonly id: number;
  readonly exchange: string;
  readonly routingKey: string;
  /** the encoded basic properties (flags + list), sent as they are in every content header */
  readonly props: Buffer;
  readonly body: Buffer;
  /** delivered before and returned to the queue (basic.deliver's redelivered flag) */
  redelivered: boolean;
}

/** What a queue hands a consumer; implemented by a channel's consumer. */
export interface QueueConsumer {
  readonly tag: string;
  /** whether one more delivery fits (prefetch, socket write buffer) */
  canAccept(): boolean;
  deliver(message: StoredMessage): void;
  /** the queue is gone: tell the client (basic.cancel) and forget the consumer */
  cancelledByServer(): void;
}
