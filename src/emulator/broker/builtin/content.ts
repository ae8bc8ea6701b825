import { FRAME_END, FRAME_HEADER_SIZE, methodSpec } from './codec.js';
import type { StoredMessage } from './message.js';
import { CLASS, CONSTANTS, METHOD } from './protocol.generated.js';

/**
 * The hot path: basic.deliver / basic.get-ok + content header + body frames (split at
 * frame-max) for one message, written into one buffer. The argument layouts are the
 * generated ones; they are checked against the spec tables when this module loads.
 */

function assertLayout(key: number, types: string[]): void {
  const got = methodSpec(key)?.args.map((a) => a.type);
  if (JSON.stringify(got) !== JSON.stringify(types))
    throw new Error(`protocol tables changed for method ${key}: ${JSON.stringify(got)}`);
}
assertLayout(METHOD.basicDeliver, ['shortstr', 'longlong', 'bit', 'shortstr', 'shortstr']);
assertLayout(METHOD.basicGetOk, ['longlong', 'bit', 'shortstr', 'shortstr', 'long']);

function contentSize(m: StoredMessage, frameMax: number): { size: number; chunk: number } {
  const chunk = frameMax - 8;
  const bodyFrames = Math.max(0, Math.ceil(m.body.length / chunk));
  // header frame: class(2) weight(2) size(8) + props
  return { size: 8 + 12 + m.props.length + bodyFrames * 8 + m.body.length, chunk };
}

function writeContent(out: Buffer, p: number, channel: number, m: StoredMessage, chunk: number): number {
  out[p] = CONSTANTS.FRAME_HEADER;
  out.writeUInt16BE(channel, p + 1);
  out.writeUInt32BE(12 + m.props.length, p + 3);
  p += FRAME_HEADER_SIZE;
  p = out.writeUInt16BE(CLASS.basic, p);
  p = out.writeUInt16BE(0, p);
  p = out.writeBigUInt64BE(BigInt(m.body.length), p);
  p += m.props.copy(out, p);
  out[p++] = FRAME_END;
  for (let off = 0; off < m.body.length; off += chunk) {
    const n = Math.min(chunk, m.body.length - off);
    out[p] = CONSTANTS.FRAME_BODY;
    out.writeUInt16BE(channel, p + 1);
    out.writeUInt32BE(n, p + 3);
    p += FRAME_HEADER_SIZE;
    p += m.body.copy(out, p, off, off + n);
    out[p++] = FRAME_END;
  }
  return p;
}

/** Writes a method frame's header and method id at the start of `out`; returns the offset after them. */
function startMethodFrame(out: Buffer, channel: number, payload: number, method: number): number {
  out[0] = CONSTANTS.FRAME_METHOD;
  let p = out.writeUInt16BE(channel, 1);
  p = out.writeUInt32BE(payload, p);
  return out.writeUInt32BE(method, p);
}

/** `redelivered`, `exchange`, `routing-key`: the fields deliver and get-ok share; returns the offset after them. */
function writeRoute(out: Buffer, at: number, m: StoredMessage, exLen: number, rkLen: number): number {
  let p = at;
  out[p++] = m.redelivered ? 1 : 0;
  out[p++] = exLen;
  p += out.write(m.exchange, p);
  out[p++] = rkLen;
  return p + out.write(m.routingKey, p);
}

export function encodeDeliver(
  channel: number,
  frameMax: number,
  consumerTag: string,
  deliveryTag: number,
  m: StoredMessage,
): Buffer {
  const tagLen = Buffer.byteLength(consumerTag);
  const exLen = Buffer.byteLength(m.exchange);
  const rkLen = Buffer.byteLength(m.routingKey);
  const methodPayload = 4 + 1 + tagLen + 8 + 1 + 1 + exLen + 1 + rkLen;
  const { size, chunk } = contentSize(m, frameMax);
  const out = Buffer.allocUnsafe(8 + methodPayload + size);
  let p = startMethodFrame(out, channel, methodPayload, METHOD.basicDeliver);
  out[p++] = tagLen;
  p += out.write(consumerTag, p);
  p = out.writeBigUInt64BE(BigInt(deliveryTag), p);
  p = writeRoute(out, p, m, exLen, rkLen);
  out[p++] = FRAME_END;
  writeContent(out, p, channel, m, chunk);
  return out;
}

export function encodeGetOk(
  channel: number,
  frameMax: number,
  deliveryTag: number,
  m: StoredMessage,
  messageCount: number,
): Buffer {
  const exLen = Buffer.byteLength(m.exchange);
  const rkLen = Buffer.byteLength(m.routingKey);
  const methodPayload = 4 + 8 + 1 + 1 + exLen + 1 + rkLen + 4;
  const { size, chunk } = contentSize(m, frameMax);
  const out = Buffer.allocUnsafe(8 + methodPayload + size);
  let p = startMethodFrame(out, channel, methodPayload, METHOD.basicGetOk);
  p = out.writeBigUInt64BE(BigInt(deliveryTag), p);
  p = writeRoute(out, p, m, exLen, rkLen);
  p = out.writeUInt32BE(messageCount, p);
  out[p++] = FRAME_END;
  writeContent(out, p, channel, m, chunk);
  return out;
}
