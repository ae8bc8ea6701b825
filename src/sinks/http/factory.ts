import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { httpOptionsSchema, type HttpSinkOptions } from './config.js';

/**
 * `type: http` — batches POSTed as a JSON array or NDJSON to any HTTP(S) endpoint.
 * Its config schema only: the implementation (./sink.ts) is imported when such a sink starts.
 */
export const httpSinkFactory: SinkFactory<'http', HttpSinkOptions> = sinkFactory(
  'http',
  httpOptionsSchema,
  async () => (await import('./sink.js')).HttpSink,
);
