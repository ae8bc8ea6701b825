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

/**
 * The batch's JSON lines as they already lie in memory, when they do: every payload a Buffer on
 * the same memory, each followed by a `\n` and then directly by the next one (a route's
 * RecordArena lays a batch out so, src/formats/record.ts). One view over them, nothing copied;
 * undefined when the records are elsewhere (raw message bodies, strings, an arena that grew
 * half-way through the batch): then `joinLines`.
 */
export function contiguousLines(batch: readonly SinkRecord[]): Buffer | undefined {
  const n = batch.length;
  if (n === 0) return undefined;
  const first = (batch[0] as SinkRecord).payload;
  if (typeof first === 'string') return undefined;
  const memory = first.buffer;
  const start = first.byteOffset;
  let end = start + first.length;
  for (let i = 1; i < n; i++) {
    const p = (batch[i] as SinkRecord).payload;
    if (typeof p === 'string' || p.buffer !== memory || p.byteOffset !== end + 1) return undefined;
    end = p.byteOffset + p.length;
  }
  if (end >= memory.byteLength) return undefined;
  const all = Buffer.from(memory, start, end + 1 - start);
  // the bytes between records (and after the last) must be the newlines, not other data
  for (let i = 0; i < n; i++) {
    const p = (batch[i] as SinkRecord).payload as Buffer;
    if (all[p.byteOffset - start + p.length] !== NEWLINE) return undefined;
  }
  return all;
}
