import { afterEach, describe, expect, it } from 'vitest';
import { AmpError } from '../../src/errors.js';
import { eventBody, waitFor } from './broker.js';
import { harness, type Harness } from './harness.js';

/**
 * Replicas (docs/leases.md): the pipeline asks its fence before each batch; once the lease is
 * lost it writes and acks nothing more, and the broker gets every unacked delivery back.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('pipeline: the lease fence', () => {
  it('writes while the fence is open; once it closes, writes and acks nothing more and the rest goes back to the queue', async () => {
    const lease: { lost?: AmpError } = {};
    h = await harness({ pipeline: { fence: () => lease.lost, batch: { maxEvents: 10, maxWaitMs: 20 } } });
    const first = Array.from({ length: 30 }, (_, i) => eventBody(i));
    await h.q.publish(first.map((e) => e.body));
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 30, 'first 30 acked');
    lease.lost = new AmpError('LEASE_LOST', 'lease lost');
    const more = Array.from({ length: 40 }, (_, i) => eventBody(100 + i));
    await h.q.publish(more.map((e) => e.body));
    const outcome = await h.pipeline.done;
    expect(outcome.kind === 'fatal' && outcome.error.code).toBe('LEASE_LOST');
    expect(h.writtenIds()).toEqual(first.map((e) => e.id));
    expect(h.pipeline.stats().acked).toBe(30);
    await waitFor(async () => (await h!.q.depth()).messageCount === 40, 'the 40 back in the queue');
  });
});
