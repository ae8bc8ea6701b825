import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { syslogOptionsSchema, type SyslogSinkOptions } from './config.js';

/**
 * `type: syslog` — RFC 5424 over TLS (default), TCP (octet-counted) or UDP; CEF by default.
 * Its config schema only: the implementation (./sink.ts) is imported when such a sink starts.
 */
export const syslogSinkFactory: SinkFactory<'syslog', SyslogSinkOptions> = sinkFactory(
  'syslog',
  syslogOptionsSchema,
  async () => (await import('./sink.js')).SyslogSink,
  'cef',
);
