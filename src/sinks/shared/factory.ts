import type { ZodType } from 'zod';
import type { FormatName } from '../../formats/types.js';
import type { Sink, SinkContext, SinkFactory } from '../types.js';

/**
 * The registry entry of a sink whose class takes `(options, context)`: its `type` key, its
 * options schema and the format it uses when the config names none (raw unless said).
 */
export function sinkFactory<T extends string, O extends { type: T }>(
  type: T,
  options: ZodType<O>,
  SinkClass: new (options: O, context: SinkContext) => Sink,
  defaultFormat: FormatName = 'raw',
): SinkFactory<T, O> {
  return { type, options, defaultFormat, create: (o, context) => new SinkClass(o, context) };
}
