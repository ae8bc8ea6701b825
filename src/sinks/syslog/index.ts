import type { SinkFactory } from '../types.js';
import { sinkFactory } from '../shared/factory.js';
import { syslogOptionsSchema, type SyslogSinkOptions } from './config.js';
import { SyslogSink } from './sink.js';

export { formatRfc5424, frame, type Rfc5424Message, type SdElement } from './rfc5424.js';
export { syslogOptionsSchema, type SyslogSinkOptions, SyslogSink };

/** `type: syslog` — RFC 5424 over TLS (default), TCP (octet-counted) or UDP; CEF by default. */
export const syslogSinkFactory: SinkFactory<'syslog', SyslogSinkOptions> = sinkFactory(
  'syslog',
  syslogOptionsSchema,
  SyslogSink,
  'cef',
);
