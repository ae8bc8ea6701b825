import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/index.js';
import type { Format } from '../../src/formats/types.js';
import { eventBody, waitFor } from './broker.js';
import { fileSink, harness, type Harness } from './harness.js';

/**
 * One strange event never stops the stream: beyond the depth or size limits it is poison
 * (dead-lettered with the reason); a formatter fault dead-letters that event only.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

function deep(levels: number): Buffer {
  const e = eventBody(99).body.toString('utf8');
  return Buffer.from(e.slice(0, -1) + `,"file":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`);
}

describe('strange events', () => {
  it('dead-letters an event nested 5,000 levels deep (too-deep) with ECS and OCSF sinks, and writes and acks the rest', async () => {
    h = await harness({
      routes: (dir) => [
        { name: 'ecs', sink: fileSink('ecs', join(dir, 'ecs.jsonl')), format: getFormat('ecs') },
        { name: 'ocsf', sink: fileSink('ocsf', join(dir, 'ocsf.jsonl')), format: getFormat('ocsf') },
      ],
    });
    const good = [0, 1, 2, 3].map((i) => eventBody(i).body);
    await h.q.publish([good[0]!, good[1]!, deep(5000), good[2]!, good[3]!]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 5, 'all acked');
    expect(h.pipeline.stats().routes.map((r) => r.written)).toEqual([4, 4]);
    const dl = h.deadLetters();
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({
      kind: 'too-deep',
      reason: 'body nests objects or arrays more than 64 levels deep',
    });
  });

  it('dead-letters an event its format cannot render (format-failed) and writes the others', async () => {
    const bad = eventBody(2).id;
    const raw = getFormat('raw');
    const fragile: Format = {
      name: 'ecs',
      kind: 'json',
      render: (e) => {
        if (e.event.id === bad) throw new RangeError('Maximum call stack size exceeded');
        return raw.render(e);
      },
    };
    h = await harness({
      routes: (dir) => [{ name: 'f', sink: fileSink('f', join(dir, 'events.jsonl')), format: fragile }],
      eventsPath: (dir) => join(dir, 'events.jsonl'),
    });
    await h.q.publish([0, 1, 2, 3].map((i) => eventBody(i).body));
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 4, 'all acked');
    expect(h.writtenIds()).toEqual([0, 1, 3].map((i) => eventBody(i).id));
    expect(h.deadLetters()).toMatchObject([
      { kind: 'format-failed', route: 'f', eventId: bad, error: { code: 'EVENT_MALFORMED' } },
    ]);
    expect(h.pipeline.stats().routes[0]).toMatchObject({ written: 3, deadLettered: 1 });
  });
});
