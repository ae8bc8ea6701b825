import { describe, expect, it } from 'vitest';
import type { DecodedEvent } from '../../../src/event/types.js';
import { RecordArena } from '../../../src/formats/record.js';
import { contiguousLines, joinLines } from '../../../src/sinks/shared/lines.js';
import type { SinkRecord } from '../../../src/sinks/types.js';

const event = {} as DecodedEvent;
function rendered(arena: RecordArena, texts: readonly string[]): SinkRecord[] {
  return texts.map((t) => ({ event, payload: arena.bytes(t) }));
}

describe('JSON lines of a batch', () => {
  it('are the arena bytes themselves when a batch was rendered into one arena', () => {
    const arena = new RecordArena();
    const batch = rendered(arena, ['{"a":1}', '{"é":"€😀"}', '{}']);
    const inPlace = contiguousLines(batch);
    expect(inPlace?.toString('utf8')).toBe('{"a":1}\n{"é":"€😀"}\n{}\n');
    expect(inPlace?.buffer).toBe(((batch[0] as SinkRecord).payload as Buffer).buffer);
    expect(inPlace?.equals(joinLines(batch))).toBe(true);
  });

  it('are left to joinLines when the records are not back to back', () => {
    const arena = new RecordArena();
    const one = rendered(arena, ['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(contiguousLines([one[0] as SinkRecord, one[2] as SinkRecord])).toBeUndefined(); // a gap
    expect(contiguousLines([one[1] as SinkRecord, one[0] as SinkRecord])).toBeUndefined(); // out of order
    const separate = [Buffer.from('{"x":1}'), Buffer.from('{"y":2}')].map((payload) => ({ event, payload }));
    expect(contiguousLines(separate)).toBeUndefined();
    expect(contiguousLines([{ event, payload: '{"s":1}' }])).toBeUndefined();
    expect(contiguousLines([])).toBeUndefined();
  });

  it('are left to joinLines when the arena grew half-way through the batch, with the same bytes', () => {
    const arena = new RecordArena();
    const texts = Array.from({ length: 200 }, (_, i) => `{"n":${i},"s":"${'x'.repeat(2000)}"}`);
    const batch = rendered(arena, texts); // > 256 KiB: the arena moves to a larger Buffer mid-batch
    expect(contiguousLines(batch)).toBeUndefined();
    expect(joinLines(batch).toString('utf8')).toBe(texts.map((t) => `${t}\n`).join(''));
    arena.reset();
    const again = rendered(arena, texts); // now it fits: in place
    expect(contiguousLines(again)?.toString('utf8')).toBe(texts.map((t) => `${t}\n`).join(''));
  });
});
