import type { DecodedEvent } from '../event/types.js';
import type { Format } from './types.js';

/**
 * The record a sink receives: the format's output as UTF-8 bytes (the `raw` format's Buffer as
 * it is). A pipeline holds a batch of records until the sink has them durably (fsync, HTTP 2xx,
 * COMMIT…), while the next batch is decoded and rendered. Held as strings (~3 KB per ECS or
 * OCSF record) they survive young-generation collections, so the garbage collector copies and
 * promotes them; as Buffers their bytes live outside the JS heap. Measured on batches of 1,000
 * ECS records, two in flight: 40-48 µs of CPU per event held as strings, 27-35 as Buffers
 * (docs/bench.md). Every sink takes either (they write bytes).
 */
export function renderRecord(format: Format, event: DecodedEvent): Buffer {
  const out = format.render(event);
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}
