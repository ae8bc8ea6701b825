import type { SinkFactory } from '../types.js';
import { stdoutSinkOptions, type StdoutSinkOptions } from './config.js';
import { StdoutSink } from './sink.js';

export { StdoutSink, type StdoutSinkDeps } from './sink.js';
export { stdoutSinkOptions, type StdoutSinkOptions } from './config.js';

export const stdoutSinkFactory: SinkFactory<'stdout', StdoutSinkOptions> = {
  type: 'stdout',
  options: stdoutSinkOptions,
  defaultFormat: 'raw',
  create: (_options, context) => new StdoutSink({ name: context.name, logger: context.logger }),
};
