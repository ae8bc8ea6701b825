import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { natsOptionsSchema, type NatsSinkOptions } from './config.js';
import { NatsSink } from './sink.js';

export { natsOptionsSchema, type NatsSinkOptions, NatsSink };

/** `type: nats` — NATS JetStream publish with PubAck, msgID = event id. */
export const natsSinkFactory: SinkFactory<'nats', NatsSinkOptions> = sinkFactory(
  'nats',
  natsOptionsSchema,
  NatsSink,
);
