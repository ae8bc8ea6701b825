import type { ZodType } from 'zod';
import type { FormatName } from '../../formats/types.js';
import type { Sink, SinkContext, SinkFactory } from '../types.js';
import { DeferredSink } from './deferred.js';

/** A sink class that takes `(options, context)`. */
export type SinkClass<O> = new (options: O, context: SinkContext) => Sink;

/**
 * The registry entry of a sink whose class takes `(options, context)`: its `type` key, its
 * options schema, how to import its class, and the format it uses when the config names none
 * (raw unless said). The class is imported when a sink of this type starts (DeferredSink), so
 * the config schema of every sink is known without loading any sink's implementation.
 */
export function sinkFactory<T extends string, O extends { type: T }>(
  type: T,
  options: ZodType<O>,
  loadClass: () => Promise<SinkClass<O>>,
  defaultFormat: FormatName = 'raw',
): SinkFactory<T, O> {
  return {
    type,
    options,
    defaultFormat,
    create: (o, context) =>
      new DeferredSink(context.name, async () => {
        const SinkImpl = await loadClass();
        return new SinkImpl(o, context);
      }),
  };
}
