import { createReadStream } from 'node:fs';
import type { OutputCheck } from './types.js';

/** About this many published ids are looked for in each consumer's output. */
const ID_SAMPLE_SIZE = 1000;

/** Indices of the sampled events: spread evenly over [0, n), first and last included. */
export function sampleIndices(n: number, size = ID_SAMPLE_SIZE): number[] {
  if (n <= 0) return [];
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  const step = (n - 1) / (size - 1);
  return Array.from({ length: size }, (_, k) => Math.round(k * step));
}

// Digit runs long enough to be 64-bit ids; rounded ids (…614000) are different strings.
const LONG_DIGITS = /\d{16,20}/g;

/**
 * Count the lines of a consumer's output and find the sampled ids in it, as exact decimal
 * strings (wherever they sit on the line, so it works for raw, ECS, OCSF and pika's `b'…'`
 * lines). An id that was rounded through a double on the way is not found.
 */
export async function checkOutput(path: string, sampledIds: readonly string[]): Promise<OutputCheck> {
  const wanted = new Set(sampledIds);
  const found = new Set<string>();
  let lines = 0;
  let carry = '';
  const scan = (text: string): void => {
    for (const m of text.matchAll(LONG_DIGITS)) if (wanted.has(m[0])) found.add(m[0]);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) lines++;
    // latin1 maps bytes 1:1, so ASCII digits are found without a UTF-8 decode
    const text = carry + buf.toString('latin1');
    const cut = text.lastIndexOf('\n');
    scan(text.slice(0, cut + 1));
    carry = text.slice(cut + 1);
  }
  scan(carry);
  if (carry.length > 0) lines++; // a last line without its newline
  return { lines, sampled: wanted.size, idsFound: found.size };
}
