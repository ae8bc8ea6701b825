import type { SinkRecord } from '../../types.js';

/**
 * Builds one request body from a batch, splicing each record's text in as it is: a
 * `json`-kind record (raw, ecs, ocsf) is already one JSON document, so it is never parsed
 * and re-serialised (ids above 2^53 stay exact); a `text`-kind record (cef) becomes a JSON
 * string.
 *
 * RFC 8259 §5:   array = begin-array [ value *( value-separator value ) ] end-array
 * NDJSON 1.0.0:  each JSON text is followed by a newline (\n); texts hold no raw newline
 *                (records never contain one: see SinkRecord.payload).
 */
export type BodyEncoding = 'json-array' | 'ndjson';

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const COMMA = Buffer.from(',');
const NEWLINE = Buffer.from('\n');

export function recordJson(record: SinkRecord, kind: 'json' | 'text'): Buffer {
  const { payload } = record;
  if (kind === 'json') return typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.from(JSON.stringify(typeof payload === 'string' ? payload : payload.toString('utf8')));
}

export function encodeBody(
  batch: readonly SinkRecord[],
  kind: 'json' | 'text',
  encoding: BodyEncoding,
): Buffer {
  const parts: Buffer[] = [];
  if (encoding === 'json-array') {
    parts.push(OPEN);
    batch.forEach((r, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(recordJson(r, kind));
    });
    parts.push(CLOSE);
  } else {
    for (const r of batch) parts.push(recordJson(r, kind), NEWLINE);
  }
  return Buffer.concat(parts);
}
