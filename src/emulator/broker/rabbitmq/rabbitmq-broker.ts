import type { Logger } from 'pino';
import type { OutgoingMessage, StreamBroker } from '../stream-broker.js';
import { Broker } from './amqp.js';
import { type ManagementClient, createManagementClient } from './management.js';

/**
 * The StreamBroker on a real RabbitMQ (`--broker-url`): queues and bindings over AMQP as the
 * broker's admin user, per-stream users and connection closing through the management API.
 */

export interface RabbitMqBrokerOptions {
  readonly brokerUrl: string;
  readonly managementUrl: string;
  readonly connectionName: string;
  readonly logger: Logger;
}

/** Broker permissions of a stream user: read its own queue, nothing else (see docs/emulator.md). */
export function streamUserPermissions(queue: string): { configure: string; write: string; read: string } {
  return { configure: '^$', write: '^$', read: `^${queue}$` };
}

export async function startRabbitMqBroker(o: RabbitMqBrokerOptions): Promise<StreamBroker> {
  const broker = new Broker(o.brokerUrl, o.logger, o.connectionName);
  await broker.start();
  let management: ManagementClient | undefined = createManagementClient(o.managementUrl);
  if (!(await management.ping())) {
    o.logger.warn(
      { managementUrl: new URL(o.managementUrl).origin },
      'emulator: RabbitMQ management API unreachable; streams get the broker credentials instead of their own users (enable rabbitmq_management for per-stream users)',
    );
    management = undefined;
  }
  const address = new URL(o.brokerUrl);
  return {
    kind: 'rabbitmq',
    frontTarget: {
      kind: 'forward',
      host: address.hostname || '127.0.0.1',
      port: Number(address.port || 5672),
    },
    perStreamUsers: management !== undefined,
    start: async () => undefined,
    queueExists: (q) => broker.queueExists(q),
    declareStreamQueue: (q) => broker.declareStreamQueue(q),
    deleteQueue: (q) => broker.deleteQueue(q),
    bind: (q, keys) => broker.bind(q, keys),
    unbind: (q, keys) => broker.unbind(q, keys),
    async putStreamUser(user, password, queue) {
      if (management === undefined) return;
      await management.putUser(user, password);
      await management.setPermissions('/', user, streamUserPermissions(queue));
    },
    async deleteStreamUser(user) {
      await management?.deleteUser(user);
    },
    publish: (messages: Iterable<OutgoingMessage>) => broker.publish(messages),
    async inject(queue, bodies) {
      await broker.publish(
        bodies.map((body) => ({ routingKey: queue, cc: [], body })),
        '',
      );
    },
    async queueDepth(queue) {
      return broker.queueDepth(queue);
    },
    async closeConnectionsOf(user) {
      return (await management?.closeConnectionsOf(user, 'closed by the emulator (fault injection)')) ?? 0;
    },
    close: () => broker.close(),
  };
}
