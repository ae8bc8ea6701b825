import { z } from 'zod';

/** `type: stdout`: one JSON line per event on standard output (e.g. `ampstream run | jq`). */
export const stdoutSinkOptions = z
  .object({
    type: z.literal('stdout'),
  })
  .strict();

export type StdoutSinkOptions = z.infer<typeof stdoutSinkOptions>;
