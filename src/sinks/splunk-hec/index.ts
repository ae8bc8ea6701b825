import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { splunkHecOptionsSchema, type SplunkHecOptions } from './config.js';
import { SplunkHecSink } from './sink.js';

export { splunkHecOptionsSchema, type SplunkHecOptions, SplunkHecSink };

/** `type: splunk-hec` — Splunk HTTP Event Collector, with optional indexer acknowledgement. */
export const splunkHecSinkFactory: SinkFactory<'splunk-hec', SplunkHecOptions> = sinkFactory(
  'splunk-hec',
  splunkHecOptionsSchema,
  SplunkHecSink,
);
