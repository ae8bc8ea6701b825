import { AmqpSource } from './amqp-source.js';
import type { Source, SourceOptions } from './types.js';

export * from './types.js';
export { AmqpSource } from './amqp-source.js';
export { classifyAmqpError } from './classify.js';

/** The AMQP(S) consumer for one event-stream queue (see `Source` for the lifecycle). */
export function createSource(options: SourceOptions): Source {
  return new AmqpSource(options);
}
