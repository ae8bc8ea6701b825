/**
 * Reusable memory for the rendered records of one batch of one route.
 *
 * A pipeline holds a batch's records until the sink has them durably (fsync, HTTP 2xx,
 * COMMIT…) while the next deliveries arrive. Held as strings (~3 KB per ECS or OCSF record)
 * they outlive young-generation collections, so the garbage collector copies and promotes
 * them and old-space collections follow (decode+render of batches of 1,000 ECS records, two
 * held: 40-49 µs of CPU per event). As one Buffer each, the bytes leave the JS heap (30-33
 * µs) but become garbage outside it that V8 frees only at its next full collection: a drain
 * peaked at 214 MB RSS instead of ~120. An arena does neither: each record's UTF-8 bytes are
 * written into one Buffer that is reused batch after batch, so the payload bytes are neither
 * on the JS heap nor garbage (docs/bench.md).
 *
 * The bytes handed out stay valid until `reset()`, which the route calls only once the sink's
 * `write()` has resolved for them (src/pipeline/route-writer.ts).
 *
 * Each record is followed in the arena by a `\n` that is not part of the Buffer handed out, so
 * a batch's records usually lie back to back as JSON lines and a sink may write them in place
 * without joining them (src/sinks/shared/lines.ts, `contiguousLines`).
 */
export class RecordArena {
  #buf: Buffer = Buffer.alloc(0);
  #used = 0;

  /** Start over: every Buffer handed out before may now be overwritten. */
  reset(): void {
    this.#used = 0;
  }

  /** The record as UTF-8 bytes inside the arena; a Buffer (the `raw` format) is returned as is. */
  bytes(record: string | Buffer): Buffer {
    if (typeof record !== 'string') return record;
    const room = this.#buf.length - this.#used;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: count exactly only when it may not fit.
    if (record.length * 3 + 1 > room) {
      const need = Buffer.byteLength(record, 'utf8') + 1;
      if (need > room) {
        // Records already handed out keep the old Buffer alive until their batch is done.
        this.#buf = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, need, MIN_ARENA_BYTES));
        this.#used = 0;
      }
    }
    const start = this.#used;
    const end = start + this.#buf.write(record, start, 'utf8');
    this.#buf[end] = NEWLINE;
    this.#used = end + 1;
    return this.#buf.subarray(start, end);
  }
}

const NEWLINE = 0x0a;

/** First arena size: a few hundred ECS records; it doubles until one batch fits. */
const MIN_ARENA_BYTES = 256 * 1024;
