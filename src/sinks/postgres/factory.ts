import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { postgresOptionsSchema, type PostgresSinkOptions } from './config.js';

/**
 * `type: postgres` — one row per event (keyed by id, jsonb payload, indexed columns).
 * Its config schema only: the implementation (./sink.ts) is imported when such a sink starts.
 */
export const postgresSinkFactory: SinkFactory<'postgres', PostgresSinkOptions> = sinkFactory(
  'postgres',
  postgresOptionsSchema,
  async () => (await import('./sink.js')).PostgresSink,
);
