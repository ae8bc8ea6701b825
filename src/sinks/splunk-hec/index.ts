import { splunkHecOptionsSchema, type SplunkHecOptions } from './config.js';
import { SplunkHecSink } from './sink.js';

export { splunkHecOptionsSchema, type SplunkHecOptions, SplunkHecSink };
export { splunkHecSinkFactory } from './factory.js';
