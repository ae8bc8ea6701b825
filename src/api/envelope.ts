import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { AmpError } from '../errors.js';
import { parseLossless } from '../event/decode.js';
import type { ApiEnvelope } from './types.js';

/**
 * Response bodies: decompressed per Content-Encoding (we ask for gzip, as the docs
 * recommend), parsed **losslessly** (integers of 16+ digits, i.e. event ids above 2^53,
 * become decimal strings; see event/decode.ts), then checked to be the §1.3 envelope.
 */

export function decompress(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body);
  if (enc === 'deflate') return inflateSync(body);
  if (enc === 'br') return brotliDecompressSync(body);
  throw new AmpError('API_BAD_RESPONSE', `unsupported Content-Encoding "${enc}"`);
}

/** Parse a body as JSON; undefined for an empty body or text that is not JSON. */
export function parseBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return parseLossless(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A successful response must be `{version?, metadata?, data}`. Some endpoints (DELETE) may
 * answer with an empty body; that is `data: undefined`.
 */
export function decodeEnvelope(
  parsed: unknown,
  ctx: { method: string; path: string; empty: boolean },
): ApiEnvelope<unknown> {
  if (parsed === undefined && ctx.empty) return { version: '', metadata: {}, data: undefined };
  if (!isRecord(parsed) || !('data' in parsed)) {
    throw new AmpError(
      'API_BAD_RESPONSE',
      `${ctx.method} ${ctx.path}: the response is not the documented JSON envelope`,
      {
        details: { method: ctx.method, path: ctx.path, maybeSent: true },
        hint: 'is the API URL right? A proxy or captive portal may be answering instead of the Secure Endpoint API',
      },
    );
  }
  const metadata = isRecord(parsed['metadata']) ? parsed['metadata'] : {};
  return {
    version: typeof parsed['version'] === 'string' ? parsed['version'] : '',
    metadata: metadata,
    data: parsed['data'],
  };
}
