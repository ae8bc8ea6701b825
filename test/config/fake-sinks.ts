import { z } from 'zod';
import type { Sink, SinkFactory } from '../../src/sinks/types.js';

/** Two small sink factories shaped like the real registry's, for schema tests. */
const nullSink = (name: string): Sink => ({
  name,
  start: async () => {},
  write: async () => {},
  close: async () => {},
});

export const fakeFileFactory: SinkFactory<'file', { type: 'file'; path: string; fsync: boolean }> = {
  type: 'file',
  options: z.object({ type: z.literal('file'), path: z.string().min(1), fsync: z.boolean().default(true) }),
  defaultFormat: 'raw',
  create: (_o, ctx) => nullSink(ctx.name),
};

export const fakeHttpFactory: SinkFactory<'http', { type: 'http'; url: string; token?: string | undefined }> =
  {
    type: 'http',
    options: z.object({ type: z.literal('http'), url: z.string().url(), token: z.string().optional() }),
    defaultFormat: 'ecs',
    create: (_o, ctx) => nullSink(ctx.name),
  };

export const fakeFactories = [fakeFileFactory, fakeHttpFactory] as unknown as readonly SinkFactory[];
