import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredMessage } from './message.js';

/**
 * The append-only log of one built-in queue (`<dir>/<queue>.log`, mode 0600), for --data-dir:
 *
 *   'P' u32 length, u64 id, shortstr exchange, shortstr routing key, u32+props, u32+body
 *   'A' u64 id            (acknowledged: the message is gone)
 *
 * `sync()` writes what is pending and fsyncs: the broker calls it before a publish is
 * confirmed (and before the injection endpoint answers 202). Acks are written lazily (a lost
 * ack only means a redelivery, which at-least-once allows). Once more records are dead than
 * alive, `compact()` rewrites the file with the live messages only (temp file, fsync, rename).
 * A torn record at the end (a crash mid-write) is ignored on load.
 */

const P = 0x50;
const A = 0x41;
/** compact once this many acks are in the file and they outnumber the live messages */
const COMPACT_MIN_DEAD = 10_000;
/** pending bytes before a write even without sync (acks) */
const FLUSH_BYTES = 1 << 20;

function encodePublish(m: StoredMessage): Buffer {
  const ex = Buffer.from(m.exchange);
  const rk = Buffer.from(m.routingKey);
  const len = 8 + 1 + ex.length + 1 + rk.length + 4 + m.props.length + 4 + m.body.length;
  const b = Buffer.allocUnsafe(5 + len);
  let p = 0;
  b[p++] = P;
  p = b.writeUInt32BE(len, p);
  p = b.writeBigUInt64BE(BigInt(m.id), p);
  b[p++] = ex.length;
  p += ex.copy(b, p);
  b[p++] = rk.length;
  p += rk.copy(b, p);
  p = b.writeUInt32BE(m.props.length, p);
  p += m.props.copy(b, p);
  p = b.writeUInt32BE(m.body.length, p);
  m.body.copy(b, p);
  return b;
}

function encodeAck(id: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b[0] = A;
  b.writeBigUInt64BE(BigInt(id), 1);
  return b;
}

/** The live messages of a log file, in id order. */
export function readLog(path: string): StoredMessage[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return [];
  }
  const live = new Map<number, StoredMessage>();
  let p = 0;
  while (p < buf.length) {
    const type = buf[p]!;
    if (type === A) {
      if (p + 9 > buf.length) break;
      live.delete(Number(buf.readBigUInt64BE(p + 1)));
      p += 9;
    } else if (type === P) {
      if (p + 5 > buf.length) break;
      const len = buf.readUInt32BE(p + 1);
      if (p + 5 + len > buf.length) break;
      let q = p + 5;
      const id = Number(buf.readBigUInt64BE(q));
      q += 8;
      const exLen = buf[q++]!;
      const exchange = buf.toString('utf8', q, q + exLen);
      q += exLen;
      const rkLen = buf[q++]!;
      const routingKey = buf.toString('utf8', q, q + rkLen);
      q += rkLen;
      const propsLen = buf.readUInt32BE(q);
      q += 4;
      const props = Buffer.from(buf.subarray(q, q + propsLen));
      q += propsLen;
      const bodyLen = buf.readUInt32BE(q);
      q += 4;
      const body = Buffer.from(buf.subarray(q, q + bodyLen));
      live.set(id, { id, exchange, routingKey, props, body, redelivered: false });
      p += 5 + len;
    } else break; // garbage: a torn write
  }
  return [...live.values()].sort((a, b) => a.id - b.id);
}

export class QueueLog {
  readonly path: string;
  #fd: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #dead = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, queue: string) {
    this.path = join(dir, `${queue}.log`);
    this.#fd = openSync(this.path, 'a', 0o600);
  }

  appendPublish(m: StoredMessage): void {
    this.#add(encodePublish(m));
  }

  appendAck(id: number): void {
    this.#dead++;
    this.#add(encodeAck(id));
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, 200).unref();
  }

  #add(b: Buffer): void {
    this.#pending.push(b);
    this.#pendingBytes += b.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.#write();
  }

  #write(): void {
    if (this.#pending.length === 0) return;
    const b = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    let off = 0;
    while (off < b.length) off += writeSync(this.#fd, b, off);
  }

  /** Everything appended so far is on disk. */
  sync(): void {
    this.#write();
    fsyncSync(this.#fd);
  }

  /** Whether enough acknowledged records accumulated to make a rewrite worth it. */
  wantsCompaction(liveCount: number): boolean {
    return this.#dead >= COMPACT_MIN_DEAD && this.#dead > liveCount;
  }

  /** Rewrite the file with only `live` (ready + unacknowledged) messages. */
  compact(live: Iterable<StoredMessage>): void {
    this.#write();
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const chunk: Buffer[] = [];
      let size = 0;
      const flush = (): void => {
        const b = Buffer.concat(chunk);
        let off = 0;
        while (off < b.length) off += writeSync(fd, b, off);
        chunk.length = 0;
        size = 0;
      };
      for (const m of live) {
        const b = encodePublish(m);
        chunk.push(b);
        size += b.length;
        if (size > FLUSH_BYTES) flush();
      }
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.#fd);
    this.#fd = openSync(this.path, 'a', 0o600);
    this.#dead = 0;
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write();
    closeSync(this.#fd);
  }

  /** Close and delete the file (the queue was deleted). */
  remove(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    closeSync(this.#fd);
    rmSync(this.path, { force: true });
  }
}
