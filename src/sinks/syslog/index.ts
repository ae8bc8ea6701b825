import { syslogOptionsSchema, type SyslogSinkOptions } from './config.js';
import { SyslogSink } from './sink.js';

export { formatRfc5424, frame, type Rfc5424Message, type SdElement } from './rfc5424.js';
export { syslogOptionsSchema, type SyslogSinkOptions, SyslogSink };
export { syslogSinkFactory } from './factory.js';
