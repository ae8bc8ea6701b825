import type { SinkFactory } from '../types.js';
import { postgresOptionsSchema, type PostgresSinkOptions } from './config.js';
import { PostgresSink } from './sink.js';

export { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
export { postgresOptionsSchema, type PostgresSinkOptions, PostgresSink };

/** `type: postgres` — one row per event (keyed by id, jsonb payload, indexed columns). */
export const postgresSinkFactory: SinkFactory<'postgres', PostgresSinkOptions> = {
  type: 'postgres',
  options: postgresOptionsSchema,
  defaultFormat: 'raw',
  create: (options, context) => new PostgresSink(options, context),
};
