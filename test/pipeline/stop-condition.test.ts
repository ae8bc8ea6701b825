import { afterEach, describe, expect, it } from 'vitest';
import { eventBody, waitFor } from './broker.js';
import { harness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('pipeline: a stop condition (tail/demo --count)', () => {
  it('drains by itself once the condition holds: exactly N written and acked, the rest stays queued, outcome drained', async () => {
    const list = Array.from({ length: 20 }, (_, i) => eventBody(i));
    h = await harness({
      pipeline: {
        batch: { maxEvents: 1, maxWaitMs: 0 },
        stopWhen: () => (h?.pipeline.stats().routes[0]?.written ?? 0) >= 7,
      },
    });
    await h.q.publish(list.map((e) => e.body));
    await h.pipeline.start();
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
    expect(h.writtenIds()).toEqual(list.slice(0, 7).map((e) => e.id));
    expect(h.pipeline.stats().acked).toBe(7);
    await waitFor(async () => (await h!.q.depth()).messageCount === 13, 'the 13 others back in the queue');
  });
});
