import { z } from 'zod';
import { httpConnectionOptions } from '../shared/http/options.js';
import { secretRefSchema } from '../shared/secret.js';
import { cleartextCredentialProblem } from '../shared/cleartext.js';

/** Header names that always carry credentials: they must come from `auth`, never `headers`. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

export const httpOptionsSchema = z
  .object({
    type: z.literal('http'),
    /** http:// or https:// URL the batches are sent to (no credentials in it: use `auth`) */
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => new URL(u).password === '' && new URL(u).username === '', {
        message: 'no credentials in the URL: use `auth` with a secret reference',
      }),
    /** (default='POST') */
    method: z.enum(['POST', 'PUT']).default('POST'),
    /** (default='json-array') one JSON array per batch, or NDJSON (one record per line) */
    encoding: z.enum(['json-array', 'ndjson']).default('json-array'),
    /** (default=false) gzip the body (Content-Encoding: gzip) */
    gzip: z.boolean().default(false),
    /** (default={}) extra request headers (plain values; credentials go in `auth`) */
    headers: z
      .record(z.string(), z.string())
      .default({})
      .refine((h) => Object.keys(h).every((k) => !CREDENTIAL_HEADERS.has(k.toLowerCase())), {
        message:
          'credential headers (Authorization, Cookie, X-Api-Key…) go in `auth`, with a secret reference',
      }),
    /** A header whose value comes from a secret, e.g. `Authorization: Bearer <token>` */
    auth: z
      .object({
        /** (default='Authorization') */
        header: z.string().min(1).default('Authorization'),
        /** (default='Bearer ') text put before the secret, e.g. 'Basic ', 'Splunk ', '' */
        prefix: z.string().default('Bearer '),
        /** env:NAME, file:PATH or vault:NAME */
        secret: secretRefSchema(),
      })
      .strict()
      .optional(),
    ...httpConnectionOptions,
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.auth === undefined) return;
    const problem = cleartextCredentialProblem(o.url, o.allowHttp);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  });

export type HttpSinkOptions = z.infer<typeof httpOptionsSchema>;
