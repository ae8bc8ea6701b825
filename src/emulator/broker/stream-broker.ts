import type { Duplex } from 'node:stream';

/**
 * What the emulator's stream service needs from a broker, with two implementations:
 * the built-in one (broker/builtin/, in process, the default) and a real RabbitMQ
 * (broker/rabbitmq/, `--broker-url`). Fault injection works the same on both.
 */

export interface OutgoingMessage {
  readonly routingKey: string;
  /** sender-selected distribution keys (the `CC` header) */
  readonly cc: readonly string[];
  readonly body: Buffer;
}

/** How the AMQPS front serves a client once TLS is up. */
export type FrontTarget =
  | { readonly kind: 'adopt'; adopt(socket: Duplex): void }
  | { readonly kind: 'forward'; readonly host: string; readonly port: number };

export interface StreamBroker {
  readonly kind: 'builtin' | 'rabbitmq';
  readonly frontTarget: FrontTarget;
  /**
   * true: every stream gets its own broker user; false (RabbitMQ without its management
   * API): streams hand out the broker's own credentials
   */
  readonly perStreamUsers: boolean;
  start(): Promise<void>;
  queueExists(queue: string): Promise<boolean>;
  /** durable, 10-day message TTL (idempotent; a built-in queue with a data dir replays its log) */
  declareStreamQueue(queue: string): Promise<void>;
  /** consumers of the queue get basic.cancel */
  deleteQueue(queue: string): Promise<void>;
  bind(queue: string, keys: readonly string[]): Promise<void>;
  unbind(queue: string, keys: readonly string[]): Promise<void>;
  /** a user who may read `queue` and nothing else */
  putStreamUser(user: string, password: string, queue: string): Promise<void>;
  deleteStreamUser(user: string): Promise<void>;
  /** through the stream exchange; resolves once every message is confirmed (durable) */
  publish(messages: Iterable<OutgoingMessage>): Promise<number>;
  /**
   * Straight into one queue, bytes unchanged, all or nothing; resolves once durable.
   * EMULATOR with details.status 409 when the queue's length limit leaves no room.
   */
  inject(queue: string, bodies: readonly Buffer[]): Promise<void>;
  /** messages ready in the queue (undefined: no such queue) */
  queueDepth(queue: string): Promise<number | undefined>;
  /** fault injection: connection.close 320 CONNECTION_FORCED to every connection of the user */
  closeConnectionsOf(user: string): Promise<number>;
  close(): Promise<void>;
}

/** The properties every stream message carries (as Secure Endpoint sends them). */
export const MESSAGE_PROPERTIES = {
  contentType: 'application/octet-stream',
  deliveryMode: 2,
  priority: 0,
} as const;
