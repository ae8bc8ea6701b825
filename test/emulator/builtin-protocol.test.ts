import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT_PATH, SPEC_PATH, generateFormatted } from '../../scripts/gen-amqp-protocol.js';
import { METHOD, METHODS } from '../../src/emulator/broker/builtin/protocol.generated.js';
import {
  FrameParser,
  type Frame,
  decodeMethod,
  encodeMethod,
  encodeProperties,
  Reader,
} from '../../src/emulator/broker/builtin/codec.js';

/** The built-in broker's protocol tables come from the AMQP 0-9-1 spec, and its codec round-trips. */

describe('generated AMQP protocol tables', () => {
  it('match what scripts/gen-amqp-protocol.ts generates from the committed spec', async () => {
    const expected = await generateFormatted(readFileSync(SPEC_PATH, 'utf8'));
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(expected);
  });

  it('carry the ids and argument layouts of the spec (basic.consume = 60/20)', () => {
    const consume = METHODS.find((m) => m.name === 'basic.consume')!;
    expect([consume.classId, consume.methodId, consume.key]).toEqual([60, 20, METHOD.basicConsume]);
    expect(consume.args.map((a) => `${a.name}:${a.type}`)).toEqual([
      'ticket:short',
      'queue:shortstr',
      'consumerTag:shortstr',
      'noLocal:bit',
      'noAck:bit',
      'exclusive:bit',
      'nowait:bit',
      'arguments:table',
    ]);
  });
});

describe('codec', () => {
  it('round-trips a method with packed bits and a table through the frame parser', () => {
    const frame = encodeMethod(3, METHOD.basicConsume, {
      queue: 'event_stream_1',
      consumerTag: 'c1',
      noAck: true,
      exclusive: true,
      arguments: { 'x-priority': 5, nested: { s: 'x', list: [1, 'two', true] } },
    });
    const parser = new FrameParser(4096);
    const frames: Frame[] = [];
    // byte by byte: a frame split across reads is reassembled
    for (const b of frame) parser.push(Buffer.from([b]), frames);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.channel).toBe(3);
    const { spec, args } = decodeMethod(frames[0]!.payload);
    expect(spec.name).toBe('basic.consume');
    expect(args).toMatchObject({
      queue: 'event_stream_1',
      consumerTag: 'c1',
      noLocal: false,
      noAck: true,
      exclusive: true,
      nowait: false,
      arguments: { 'x-priority': 5, nested: { s: 'x', list: [1, 'two', true] } },
    });
  });

  it('refuses a frame larger than frame-max with FRAME_ERROR', () => {
    const parser = new FrameParser(4096);
    const big = encodeMethod(1, METHOD.connectionSecure, { challenge: 'x'.repeat(5000) });
    expect(() => parser.push(big, [])).toThrow(/frame-max/);
  });

  it('encodes basic properties with their flag bits in spec order', () => {
    const p = encodeProperties({ contentType: 'application/octet-stream', deliveryMode: 2 });
    const r = new Reader(p);
    expect(r.u16()).toBe((1 << 15) | (1 << 12));
    expect(r.shortstr()).toBe('application/octet-stream');
    expect(r.u8()).toBe(2);
  });
});
