import type { Format } from './types.js';

/**
 * `raw`: the original message bytes, untouched (docs/architecture.md, Ids above 2^53: "the raw
 * format forwards the original bytes untouched"), so ids above 2^53 and every field arrive exactly
 * as Cisco sent them. A body that spans several lines (pretty-printed JSON) is still one record:
 * sinks that write JSON lines must not receive embedded newlines, so CR/LF bytes outside strings
 * (JSON whitespace) are dropped; inside JSON strings a raw newline cannot occur (it must be
 * escaped).
 */
export const rawFormat: Format = {
  name: 'raw',
  kind: 'json',
  render: (event) =>
    event.raw.includes(0x0a) || event.raw.includes(0x0d) ? stripNewlines(event.raw) : event.raw,
};

function stripNewlines(raw: Buffer): Buffer {
  return Buffer.from(raw.filter((b) => b !== 0x0a && b !== 0x0d));
}
