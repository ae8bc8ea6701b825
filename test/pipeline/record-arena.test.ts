import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import type { DecodedEvent } from '../../src/event/types.js';
import { getFormat } from '../../src/formats/index.js';
import { RecordArena } from '../../src/formats/record.js';
import { RouteWriter } from '../../src/pipeline/route-writer.js';
import type { Sink, SinkRecord } from '../../src/sinks/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { RetryPolicy } from '../../src/util/retry.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

describe('RecordArena', () => {
  it('keeps every record of a batch intact while it grows, multi-byte text included', () => {
    const arena = new RecordArena();
    const texts = Array.from({ length: 300 }, (_, i) => `{"n":${i},"s":"é€😀 ${'x'.repeat(i * 7)}"}`);
    const out = texts.map((t) => arena.bytes(t));
    expect(out.map((b) => b.toString('utf8'))).toEqual(texts);
  });

  it('hands a Buffer back as it is and reuses its memory only after reset', () => {
    const arena = new RecordArena();
    const raw = Buffer.from('{"id":1}');
    expect(arena.bytes(raw)).toBe(raw);
    const first = arena.bytes('first');
    arena.reset();
    arena.bytes('again');
    expect(first.toString()).toBe('again');
  });
});

/** A sink that checks, when each write is called and again later, the bytes it was handed. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly batches: { records: readonly SinkRecord[]; copies: string[] }[] = [];
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async write(batch: readonly SinkRecord[]): Promise<void> {
    this.batches.push({ records: batch, copies: batch.map((r) => r.payload.toString()) });
  }
}

function writer(sink: Sink): RouteWriter {
  return new RouteWriter(
    { name: 'r', sink, format: getFormat('ecs') },
    {
      logger: silentLogger,
      retry: new RetryPolicy({ baseMs: 1, maxMs: 1 }),
      signals: { abort: new AbortController().signal, drain: new AbortController().signal },
      now: Date.now,
      metrics: undefined,
      stream: 's',
    },
  );
}

describe('a route writing records from its arena', () => {
  const events: DecodedEvent[] = loadEventFixtures().map((f) => f.decoded);
  const ecs = getFormat('ecs');
  const noReject = async (): Promise<void> => {};

  it('gives the sink exactly the format output, batch after batch', async () => {
    const sink = new RecordingSink();
    const w = writer(sink);
    for (let k = 0; k < 3; k++) await w.write(w.records(events).records, noReject);
    for (const b of sink.batches) expect(b.copies).toEqual(events.map((e) => ecs.render(e)));
  });

  it('never lets a batch not yet written share bytes with another one', async () => {
    const sink = new RecordingSink();
    const w = writer(sink);
    const a = w.records(events).records;
    const b = w.records([...events].reverse()).records; // rendered before `a` is written
    await w.write(a, noReject);
    await w.write(b, noReject);
    expect(a.map((r) => r.payload.toString())).toEqual(events.map((e) => ecs.render(e)));
    expect(b.map((r) => r.payload.toString())).toEqual([...events].reverse().map((e) => ecs.render(e)));
  });

  it('renders the id of the message bytes exactly', () => {
    const f = loadEventFixtures()[0]!;
    const d = decodeEvent(Buffer.from(f.compact));
    if (!d.ok) throw new Error('fixture must decode');
    const [rec] = writer(new RecordingSink()).records([d.value]).records;
    expect(rec!.payload.toString()).toContain(`"id":"${f.id}"`);
  });
});
