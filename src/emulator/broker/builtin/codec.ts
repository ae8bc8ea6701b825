import {
  BASIC_PROPERTIES,
  CLASS,
  CONSTANTS,
  type ArgumentSpec,
  type FieldType,
  METHODS,
  type MethodSpec,
} from './protocol.generated.js';

/**
 * AMQP 0-9-1 wire format, driven by the generated protocol tables: field values and tables
 * (RabbitMQ's type letters), method frames from a method's argument layout, content headers,
 * and a frame parser. Pure functions plus one small stateful parser; no I/O.
 */

export type FieldValue =
  string | number | bigint | boolean | null | Buffer | Date | FieldValue[] | { [key: string]: FieldValue };
export type FieldTable = { [key: string]: FieldValue };
export type MethodArgs = Record<string, FieldValue | undefined>;

export const FRAME_END = CONSTANTS.FRAME_END;
export const FRAME_HEADER_SIZE = 7;
/** the 8 bytes a client opens with: "AMQP" 0 0 9 1 */
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

const BY_KEY = new Map<number, MethodSpec>(METHODS.map((m) => [m.key, m]));

export function methodSpec(key: number): MethodSpec | undefined {
  return BY_KEY.get(key);
}

export class ProtocolError extends Error {
  constructor(
    readonly replyCode: number,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------- writing

/** A growable buffer writer. */
export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  u32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }
  u64(v: number | bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64BE(BigInt(v), this.pos);
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(BigInt(v), this.pos);
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  shortstr(s: string): void {
    const len = Buffer.byteLength(s);
    if (len > 255) throw new ProtocolError(CONSTANTS.SYNTAX_ERROR, `short string longer than 255 bytes`);
    this.ensure(1 + len);
    this.buf[this.pos++] = len;
    this.pos += this.buf.write(s, this.pos);
  }
  longstr(v: string | Buffer): void {
    const b = typeof v === 'string' ? Buffer.from(v) : v;
    this.u32(b.length);
    this.bytes(b);
  }
  table(t: FieldTable): void {
    const start = this.pos;
    this.u32(0);
    for (const [k, v] of Object.entries(t)) {
      this.shortstr(k);
      this.value(v);
    }
    this.buf.writeUInt32BE(this.pos - start - 4, start);
  }
  value(v: FieldValue): void {
    if (typeof v === 'string') {
      this.u8(0x53); // S
      this.longstr(v);
    } else if (typeof v === 'boolean') {
      this.u8(0x74); // t
      this.u8(v ? 1 : 0);
    } else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
        this.u8(0x49); // I
        this.ensure(4);
        this.pos = this.buf.writeInt32BE(v, this.pos);
      } else if (Number.isInteger(v)) {
        this.u8(0x6c); // l
        this.i64(v);
      } else {
        this.u8(0x64); // d
        this.ensure(8);
        this.pos = this.buf.writeDoubleBE(v, this.pos);
      }
    } else if (typeof v === 'bigint') {
      this.u8(0x6c);
      this.i64(v);
    } else if (v === null) {
      this.u8(0x56); // V
    } else if (Buffer.isBuffer(v)) {
      this.u8(0x78); // x
      this.longstr(v);
    } else if (v instanceof Date) {
      this.u8(0x54); // T
      this.u64(Math.floor(v.getTime() / 1000));
    } else if (Array.isArray(v)) {
      this.u8(0x41); // A
      const start = this.pos;
      this.u32(0);
      for (const x of v) this.value(x);
      this.buf.writeUInt32BE(this.pos - start - 4, start);
    } else {
      this.u8(0x46); // F
      this.table(v);
    }
  }
  typed(type: FieldType, v: FieldValue | undefined): void {
    switch (type) {
      case 'bit':
        throw new Error('bits are packed by the caller');
      case 'octet':
        return this.u8(Number(v ?? 0));
      case 'short':
        return this.u16(Number(v ?? 0));
      case 'long':
        return this.u32(Number(v ?? 0));
      case 'longlong':
      case 'timestamp':
        return this.u64(typeof v === 'bigint' ? v : Number(v ?? 0));
      case 'shortstr':
        return this.shortstr(typeof v === 'string' ? v : '');
      case 'longstr':
        return this.longstr(typeof v === 'string' || Buffer.isBuffer(v) ? v : '');
      case 'table':
        return this.table((v ?? {}) as FieldTable);
    }
  }
  take(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function writeArgs(w: Writer, args: readonly ArgumentSpec[], values: MethodArgs): void {
  let bitByte = -1;
  let bit = 0;
  for (const a of args) {
    if (a.type === 'bit') {
      if (bitByte < 0 || bit === 8) {
        w.u8(0);
        bitByte = w.pos - 1;
        bit = 0;
      }
      if (values[a.name] === true) w.buf[bitByte]! |= 1 << bit;
      bit++;
      continue;
    }
    bitByte = -1;
    w.typed(a.type, values[a.name]);
  }
}

/** One method frame on `channel`; arguments by their (camel-cased) spec names. */
export function encodeMethod(channel: number, key: number, values: MethodArgs = {}): Buffer {
  const spec = BY_KEY.get(key);
  if (spec === undefined) throw new Error(`unknown method ${key}`);
  const w = new Writer(64);
  w.u8(CONSTANTS.FRAME_METHOD);
  w.u16(channel);
  w.u32(0);
  w.u32(key);
  writeArgs(w, spec.args, values);
  w.u8(FRAME_END);
  const out = w.take();
  out.writeUInt32BE(out.length - FRAME_HEADER_SIZE - 1, 3);
  return out;
}

/** The property flags and list of a basic content header (everything after body-size). */
export function encodeProperties(props: MethodArgs): Buffer {
  const w = new Writer(64);
  w.u16(0);
  let flags = 0;
  BASIC_PROPERTIES.forEach((p, i) => {
    const v = props[p.name];
    if (v === undefined) return;
    flags |= 1 << (15 - i);
    w.typed(p.type, v);
  });
  const out = w.take();
  out.writeUInt16BE(flags, 0);
  return Buffer.from(out);
}

export const HEARTBEAT_FRAME = Buffer.from([CONSTANTS.FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);

// ---------------------------------------------------------------------------------- reading

export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError(CONSTANTS.FRAME_ERROR, 'truncated frame');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  shortstr(): string {
    return this.bytes(this.u8()).toString('utf8');
  }
  longstr(): string {
    return this.bytes(this.u32()).toString('utf8');
  }
  table(): FieldTable {
    const end = this.u32() + this.pos;
    this.need(end - this.pos);
    const t: FieldTable = {};
    while (this.pos < end) {
      const k = this.shortstr();
      t[k] = this.value();
    }
    return t;
  }
  value(): FieldValue {
    const type = String.fromCharCode(this.u8());
    switch (type) {
      case 't':
        return this.u8() !== 0;
      case 'b':
        this.need(1);
        return this.buf.readInt8(this.pos++);
      case 'B':
        return this.u8();
      case 's': {
        this.need(2);
        const v = this.buf.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case 'u':
        return this.u16();
      case 'I': {
        this.need(4);
        const v = this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case 'i':
        return this.u32();
      case 'l':
      case 'L': {
        this.need(8);
        const v = this.buf.readBigInt64BE(this.pos);
        this.pos += 8;
        return Number(v);
      }
      case 'f': {
        this.need(4);
        const v = this.buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      }
      case 'd': {
        this.need(8);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case 'D': {
        const scale = this.u8();
        this.need(4);
        const v = this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return v / 10 ** scale;
      }
      case 'S':
        return this.longstr();
      case 'x':
        return Buffer.from(this.bytes(this.u32()));
      case 'T':
        return new Date(this.u64() * 1000);
      case 'F':
        return this.table();
      case 'A': {
        const end = this.u32() + this.pos;
        const out: FieldValue[] = [];
        while (this.pos < end) out.push(this.value());
        return out;
      }
      case 'V':
        return null;
      default:
        throw new ProtocolError(CONSTANTS.SYNTAX_ERROR, `unknown field type ${JSON.stringify(type)}`);
    }
  }
}

export interface DecodedMethod {
  readonly spec: MethodSpec;
  readonly args: MethodArgs;
}

/** A method frame's payload → the method and its arguments (COMMAND_INVALID for an unknown one). */
export function decodeMethod(payload: Buffer): DecodedMethod {
  const r = new Reader(payload);
  const key = r.u32();
  const spec = BY_KEY.get(key);
  if (spec === undefined)
    throw new ProtocolError(CONSTANTS.COMMAND_INVALID, `unknown method ${key >>> 16}/${key & 0xffff}`);
  const args: MethodArgs = {};
  let bits = 0;
  let bit = 8;
  for (const a of spec.args) {
    if (a.type === 'bit') {
      if (bit === 8) {
        bits = r.u8();
        bit = 0;
      }
      args[a.name] = (bits & (1 << bit)) !== 0;
      bit++;
      continue;
    }
    bit = 8;
    switch (a.type) {
      case 'octet':
        args[a.name] = r.u8();
        break;
      case 'short':
        args[a.name] = r.u16();
        break;
      case 'long':
        args[a.name] = r.u32();
        break;
      case 'longlong':
      case 'timestamp':
        args[a.name] = r.u64();
        break;
      case 'shortstr':
        args[a.name] = r.shortstr();
        break;
      case 'longstr':
        args[a.name] = r.longstr();
        break;
      case 'table':
        args[a.name] = r.table();
        break;
    }
  }
  return { spec, args };
}

export interface Frame {
  readonly type: number;
  readonly channel: number;
  readonly payload: Buffer;
}

/**
 * Splits a byte stream into frames. `push` returns the complete frames so far; a frame larger
 * than `frameMax` or without its end octet is a FRAME_ERROR (the caller closes the connection).
 */
export class FrameParser {
  #pending: Buffer | undefined;
  frameMax: number;

  constructor(frameMax: number) {
    this.frameMax = frameMax;
  }

  push(chunk: Buffer, out: Frame[]): void {
    const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    let pos = 0;
    while (buf.length - pos >= FRAME_HEADER_SIZE) {
      const size = buf.readUInt32BE(pos + 3);
      if (size + 8 > this.frameMax && this.frameMax > 0)
        throw new ProtocolError(
          CONSTANTS.FRAME_ERROR,
          `frame of ${size + 8} bytes exceeds frame-max ${this.frameMax}`,
        );
      if (buf.length - pos < size + 8) break;
      if (buf[pos + FRAME_HEADER_SIZE + size] !== FRAME_END)
        throw new ProtocolError(CONSTANTS.FRAME_ERROR, 'frame without its end octet');
      out.push({
        type: buf[pos]!,
        channel: buf.readUInt16BE(pos + 1),
        payload: buf.subarray(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + size),
      });
      pos += size + 8;
    }
    this.#pending = pos === buf.length ? undefined : Buffer.from(buf.subarray(pos));
  }
}

export const BASIC_CLASS = CLASS.basic;

/** A method argument as a string ('' when absent or not a string). */
export function str(v: FieldValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** A method argument as a number (0 when absent). */
export function num(v: FieldValue | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}
