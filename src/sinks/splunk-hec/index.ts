import type { SinkFactory } from '../types.js';
import { splunkHecOptionsSchema, type SplunkHecOptions } from './config.js';
import { SplunkHecSink } from './sink.js';

export { splunkHecOptionsSchema, type SplunkHecOptions, SplunkHecSink };

/** `type: splunk-hec` — Splunk HTTP Event Collector, with optional indexer acknowledgement. */
export const splunkHecSinkFactory: SinkFactory<'splunk-hec', SplunkHecOptions> = {
  type: 'splunk-hec',
  options: splunkHecOptionsSchema,
  defaultFormat: 'raw',
  create: (options, context) => new SplunkHecSink(options, context),
};
