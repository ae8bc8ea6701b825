import { httpOptionsSchema, type HttpSinkOptions } from './config.js';
import { HttpSink } from './sink.js';

export { httpOptionsSchema, type HttpSinkOptions, HttpSink };
export { httpSinkFactory } from './factory.js';
