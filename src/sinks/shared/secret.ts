import { z } from 'zod';
import { isSecretRef } from '../../secrets/refs.js';

/**
 * A secret setting in a sink's options: a reference (`env:NAME`, `file:PATH`, `vault:NAME`),
 * resolved at start through `SinkContext.resolveSecret`, never a plain value.
 */
export function secretRefSchema(): z.ZodString {
  return z
    .string()
    .refine((v) => isSecretRef(v), {
      message: 'must be a secret reference: env:NAME, file:PATH or vault:NAME (never the secret itself)',
    })
    .meta({ description: 'secret reference: env:NAME, file:PATH or vault:NAME' });
}
