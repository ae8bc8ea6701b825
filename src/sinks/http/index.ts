import type { SinkFactory } from '../types.js';
import { httpOptionsSchema, type HttpSinkOptions } from './config.js';
import { HttpSink } from './sink.js';

export { httpOptionsSchema, type HttpSinkOptions, HttpSink };

/** `type: http` — batches POSTed as a JSON array or NDJSON to any HTTP(S) endpoint. */
export const httpSinkFactory: SinkFactory<'http', HttpSinkOptions> = {
  type: 'http',
  options: httpOptionsSchema,
  defaultFormat: 'raw',
  create: (options, context) => new HttpSink(options, context),
};
