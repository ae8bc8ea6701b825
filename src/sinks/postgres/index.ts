import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { postgresOptionsSchema, type PostgresSinkOptions } from './config.js';
import { PostgresSink } from './sink.js';

export { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
export { postgresOptionsSchema, type PostgresSinkOptions, PostgresSink };

/** `type: postgres` — one row per event (keyed by id, jsonb payload, indexed columns). */
export const postgresSinkFactory: SinkFactory<'postgres', PostgresSinkOptions> = sinkFactory(
  'postgres',
  postgresOptionsSchema,
  PostgresSink,
);
