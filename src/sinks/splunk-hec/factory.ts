import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { splunkHecOptionsSchema, type SplunkHecOptions } from './config.js';

/**
 * `type: splunk-hec` — Splunk HTTP Event Collector, with optional indexer acknowledgement.
 * Its config schema only: the implementation (./sink.ts) is imported when such a sink starts.
 */
export const splunkHecSinkFactory: SinkFactory<'splunk-hec', SplunkHecOptions> = sinkFactory(
  'splunk-hec',
  splunkHecOptionsSchema,
  async () => (await import('./sink.js')).SplunkHecSink,
);
