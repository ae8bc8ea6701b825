import { postgresOptionsSchema, type PostgresSinkOptions } from './config.js';
import { PostgresSink } from './sink.js';

export { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
export { postgresOptionsSchema, type PostgresSinkOptions, PostgresSink };
export { postgresSinkFactory } from './factory.js';
