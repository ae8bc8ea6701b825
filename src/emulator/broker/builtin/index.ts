import type { Logger } from 'pino';
import { AmpError } from '../../../errors.js';
import { STREAM_EXCHANGE } from '../routing.js';
import { MESSAGE_PROPERTIES, type OutgoingMessage, type StreamBroker } from '../stream-broker.js';
import { BuiltinBroker, DEFAULT_MAX_QUEUE_LENGTH } from './broker.js';

export { DEFAULT_MAX_QUEUE_LENGTH } from './broker.js';

/** The StreamBroker on the built-in AMQP 0-9-1 broker (the emulator's default). */

export interface BuiltinStreamBrokerOptions {
  readonly logger: Logger;
  /** queue logs go here (durable queues); undefined: in memory */
  readonly dataDir?: string | undefined;
  readonly maxQueueLength?: number | undefined;
  readonly version: string;
}

export function createBuiltinBroker(
  o: BuiltinStreamBrokerOptions,
): StreamBroker & { readonly core: BuiltinBroker } {
  const core = new BuiltinBroker({
    logger: o.logger,
    dataDir: o.dataDir,
    maxQueueLength: o.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH,
    version: o.version,
  });
  return {
    kind: 'builtin',
    core,
    frontTarget: { kind: 'adopt', adopt: (socket) => core.adopt(socket) },
    perStreamUsers: true,
    start: async () => undefined,
    queueExists: async (q) => core.queueExists(q),
    declareStreamQueue: async (q) => core.declareQueue(q),
    deleteQueue: async (q) => {
      core.deleteQueue(q);
    },
    bind: async (q, keys) => core.bind(q, keys),
    unbind: async (q, keys) => core.unbind(q, keys),
    putStreamUser: async (user, password, queue) => core.putUser(user, password, queue),
    deleteStreamUser: async (user) => core.deleteUser(user),
    async publish(messages: Iterable<OutgoingMessage>) {
      let n = 0;
      const routed = function* (): Generator<
        Parameters<BuiltinBroker['publish']>[0] extends Iterable<infer T> ? T : never
      > {
        for (const m of messages) {
          n++;
          yield {
            exchange: STREAM_EXCHANGE,
            routingKey: m.routingKey,
            cc: m.cc,
            properties: { ...MESSAGE_PROPERTIES, headers: { CC: [...m.cc] } },
            body: m.body,
          };
        }
      };
      core.publish(routed());
      return n;
    },
    async inject(queue, bodies) {
      if (!core.queueExists(queue))
        throw new AmpError('EMULATOR', `no queue ${queue}`, { details: { status: 404 } });
      if (!core.inject(queue, MESSAGE_PROPERTIES, bodies)) {
        const room = core.room(queue);
        const text = `The stream's queue is full: room for ${room} more message(s), ${bodies.length} sent (the emulator's --max-queue-length); nothing was published`;
        throw new AmpError('EMULATOR', text, {
          details: { status: 409, room, messages: [text] },
          retryable: true,
        });
      }
    },
    queueDepth: async (q) => core.queueDepth(q),
    closeConnectionsOf: async (user) => core.closeConnectionsOf(user),
    close: async () => core.close(),
  };
}
