import { z } from 'zod';
import { isSecretRef } from '../secrets/refs.js';

/**
 * Secrets in `ampstream.yaml` are references only (`env:NAME`, `file:PATH`, `vault:NAME`).
 * Two guards, both reported with the path and line of the offending value (never the value):
 *
 * 1. `secretRef()`: the zod type of every field the schema knows to be secret. Sink authors
 *    may import it for their own option schemas.
 * 2. `findPlainSecrets(raw)`: a scan of the whole parsed document, so a sink option that its
 *    schema types as a plain string (`token`, `password`, an `Authorization` header…) or a URL
 *    with a password in it is refused too, whatever the sink's schema says.
 */

export const PLAIN_SECRET_MESSAGE =
  'plain secret value: secrets must be references (env:NAME, file:PATH or vault:NAME), never the value itself';

export function secretRef(): z.ZodString {
  return z
    .string()
    .refine((v) => isSecretRef(v), { message: PLAIN_SECRET_MESSAGE })
    .meta({ description: 'secret reference: env:NAME, file:PATH or vault:NAME' });
}

/** Key names whose values are secrets (case-insensitive, matched on the whole key or its end). */
const SECRET_KEY =
  /(password|passphrase|passwd|token|secret|apikey|api_key|api-key|authorization|credential)$/i;

const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

export interface SecretFinding {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function findPlainSecrets(value: unknown, path: (string | number)[] = []): SecretFinding[] {
  const out: SecretFinding[] = [];
  walk(value, path, out);
  return out;
}

function walk(value: unknown, path: (string | number)[], out: SecretFinding[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, [...path, i], out));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      if (typeof v === 'string' && isSecretKey(k) && !isSecretRef(v))
        out.push({ path: p, message: PLAIN_SECRET_MESSAGE });
      else walk(v, p, out);
    }
    return;
  }
  if (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) {
    out.push({
      path,
      message:
        path[path.length - 1] === 'proxy'
          ? 'proxy URL contains a password: give the whole URL as a reference instead (`proxy: env:NAME|file:PATH|vault:NAME`)'
          : 'URL contains a password: put the password in a separate `password: env:NAME|file:PATH|vault:NAME` setting',
    });
  }
}

/** Every secret reference in a parsed document (to check they resolve, without printing them). */
export function collectSecretRefs(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; ref: string }[] {
  const out: { path: (string | number)[]; ref: string }[] = [];
  const visit = (v: unknown, p: (string | number)[], key: string | undefined): void => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i], undefined));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) visit(x, [...p, k], k);
    else if (
      typeof v === 'string' &&
      key !== undefined &&
      (isSecretKey(key) || key === 'proxy') &&
      isSecretRef(v)
    )
      out.push({ path: p, ref: v });
  };
  visit(value, path, undefined);
  return out;
}
