import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { httpOptionsSchema, type HttpSinkOptions } from './config.js';
import { HttpSink } from './sink.js';

export { httpOptionsSchema, type HttpSinkOptions, HttpSink };

/** `type: http` — batches POSTed as a JSON array or NDJSON to any HTTP(S) endpoint. */
export const httpSinkFactory: SinkFactory<'http', HttpSinkOptions> = sinkFactory(
  'http',
  httpOptionsSchema,
  HttpSink,
);
