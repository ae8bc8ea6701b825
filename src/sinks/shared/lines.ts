import type { SinkRecord } from '../types.js';

const NEWLINE = 0x0a;

/**
 * JSON lines (https://jsonlines.org): each record, then `\n`, all in one Buffer so a batch is
 * one write(2) and one fsync. Payloads never contain a newline (formats guarantee it). `raw`
 * payloads are the original message bytes, copied once here and never re-encoded.
 *
 * `scratch` is reused between batches when large enough (the caller must be done with the
 * previous result: sinks write batches one at a time, so they are).
 */
export function joinLines(batch: readonly SinkRecord[], scratch?: Buffer): Buffer {
  const n = batch.length;
  let total = n;
  let hasStrings = false;
  for (let i = 0; i < n; i++) {
    const p = (batch[i] as SinkRecord).payload;
    if (typeof p === 'string') {
      hasStrings = true;
      total += Buffer.byteLength(p, 'utf8');
    } else {
      total += p.length;
    }
  }
  const out =
    scratch !== undefined && scratch.length >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const p = (batch[i] as SinkRecord).payload;
    off += hasStrings && typeof p === 'string' ? out.write(p, off, 'utf8') : (p as Buffer).copy(out, off);
    out[off++] = NEWLINE;
  }
  return out;
}
