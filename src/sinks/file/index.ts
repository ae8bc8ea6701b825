import type { SinkFactory } from '../types.js';
import { fileSinkOptions, type FileSinkOptions } from './config.js';
import { FileSink } from './sink.js';

export { FileSink, type FileSinkDeps } from './sink.js';
export * from './config.js';

export const fileSinkFactory: SinkFactory<'file', FileSinkOptions> = {
  type: 'file',
  options: fileSinkOptions,
  defaultFormat: 'raw',
  create: (options, context) => new FileSink(options, { name: context.name, logger: context.logger }),
};
