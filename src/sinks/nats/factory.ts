import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { natsOptionsSchema, type NatsSinkOptions } from './config.js';

/**
 * `type: nats` — NATS JetStream publish with PubAck, msgID = event id.
 * Its config schema only: the implementation (./sink.ts) is imported when such a sink starts.
 */
export const natsSinkFactory: SinkFactory<'nats', NatsSinkOptions> = sinkFactory(
  'nats',
  natsOptionsSchema,
  async () => (await import('./sink.js')).NatsSink,
);
