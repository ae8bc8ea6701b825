import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AmpError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/index.js';
import { eventBody, waitFor } from './broker.js';
import { fileRoute, harness, HeldSink, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

function events(n: number, from = 0): { ids: string[]; bodies: Buffer[] } {
  const list = Array.from({ length: n }, (_, i) => eventBody(from + i));
  return { ids: list.map((e) => e.id), bodies: list.map((e) => e.body) };
}

describe('pipeline: at-least-once delivery to the file sink', () => {
  it('writes every published event with its exact id, acks them all and empties the queue', async () => {
    h = await harness();
    const { ids, bodies } = events(250);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 250, 'all acked');
    expect(h.writtenIds()).toEqual(ids);
    await h.pipeline.drain();
    expect(await h.q.depth()).toMatchObject({ messageCount: 0 });
    expect(await h.metric('ampstream_acks_total')).toBe(250);
    expect(await h.metric('ampstream_sink_records_total')).toBe(250);
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
  });

  it('acks only after the sink write resolved: a held write leaves every delivery in the queue', async () => {
    const held = new HeldSink();
    h = await harness({ routes: () => [{ name: 'held', sink: held, format: getFormat('raw') }] });
    await h.q.publish(events(30).bodies);
    await h.pipeline.start();
    await waitFor(
      () => held.writes > 0 && h!.pipeline.stats().delivered + h!.pipeline.stats().inFlight >= 30,
      'deliveries held',
    );
    expect(h.pipeline.stats().acked).toBe(0);
    const closing = h.pipeline.close(); // immediate stop with the write still pending
    await waitFor(async () => (await h!.q.depth()).messageCount === 30, 'all 30 back in the queue');
    held.release();
    await closing;
    expect(h.pipeline.stats().acked).toBe(0);
  });

  it('acks once the held write resolves', async () => {
    const held = new HeldSink();
    h = await harness({
      routes: () => [{ name: 'held', sink: held, format: getFormat('raw') }],
      pipeline: { batch: { maxEvents: 100, maxWaitMs: 50 } },
    });
    await h.q.publish(events(10).bodies);
    await h.pipeline.start();
    await waitFor(() => held.writes === 1 && h!.pipeline.stats().inFlight === 10, 'batch held');
    expect(h.pipeline.stats().acked).toBe(0);
    held.release();
    await waitFor(() => h!.pipeline.stats().acked === 10, 'acked after release');
    expect(held.records).toHaveLength(10);
  });

  it('pauses while the file path cannot be written (bounded unacked) and delivers everything once it is fixed', async () => {
    h = await harness({
      eventsPath: (dir) => join(dir, 'blocked', 'events.jsonl'),
      source: { prefetch: 50 },
    });
    const blocker = join(h.dir, 'blocked');
    writeFileSync(blocker, 'not a directory'); // mkdir/open fail with ENOTDIR/EEXIST, even as root
    const { ids, bodies } = events(200);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().routes[0]!.failures >= 3, 'sink failing');
    const stats = h.pipeline.stats();
    expect(stats.acked).toBe(0);
    expect(stats.inFlight).toBeLessThanOrEqual(50); // the prefetch window bounds what is held
    expect(stats.routes[0]!.retrying?.lastError.code).toBe('SINK_WRITE_FAILED');
    expect(await h.metric('ampstream_sink_retrying')).toBe(1);
    rmSync(blocker);
    mkdirSync(blocker);
    await waitFor(() => h!.pipeline.stats().acked === 200, 'all acked after the fix');
    expect(new Set(h.writtenIds())).toEqual(new Set(ids));
    expect(h.pipeline.stats().routes[0]!.retrying).toBeUndefined();
  });

  it('dead-letters malformed and non-JSON messages with their reason and bytes, then acks them and counts them', async () => {
    h = await harness();
    const good = events(3);
    const poison = [
      Buffer.from('not json at all'),
      Buffer.from('{"timestamp":1}'),
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.from('[1,2]'),
    ];
    await h.q.publish([good.bodies[0]!, ...poison, good.bodies[1]!, good.bodies[2]!]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 7, 'all acked');
    expect(h.writtenIds()).toEqual(good.ids);
    const dl = h.deadLetters();
    expect(dl.map((l) => l['kind'])).toEqual(['not-json', 'missing-field', 'not-utf8', 'not-an-object']);
    expect(Buffer.from(dl[0]!['body'] as string, 'base64').toString()).toBe('not json at all');
    expect(dl[1]!['reason']).toBe('event has no "event_type_id"');
    expect(dl[0]!['delivery']).toMatchObject({ exchange: '', redelivered: false, routingKey: h.q.name });
    expect(await h.metric('ampstream_dead_letters_total')).toBe(4);
    expect(await h.metric('ampstream_dead_letters_total{stream="' + h.q.name + '",reason="not-json"}')).toBe(
      1,
    );
  });

  it('holds poison messages unacked while the dead-letter file cannot be written', async () => {
    // The dead-letter file's directory is a regular file: every append fails.
    h = await harness({ deadLetterPath: (dir) => join(dir, 'dl-blocked', 'dead.jsonl') });
    writeFileSync(join(h.dir, 'dl-blocked'), 'x');
    await h.q.publish([Buffer.from('garbage')]);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().delivered === 1, 'delivered');
    await new Promise((r) => setTimeout(r, 150));
    expect(h.pipeline.stats().acked).toBe(0);
    expect(h.pipeline.stats().deadLettered).toBe(0);
    await h.pipeline.close();
    await waitFor(async () => (await h!.q.depth()).messageCount === 1, 'poison back in the queue');
  });

  it('dead-letters a batch the sink refuses for good (retryable: false), then acks it', async () => {
    const refusing = {
      name: 'refuser',
      start: async () => undefined,
      close: async () => undefined,
      write: async () => {
        throw new AmpError('SINK_REJECTED', 'HTTP 400 bad event', { retryable: false });
      },
    };
    h = await harness({
      routes: (dir) => [
        fileRoute('file', join(dir, 'events.jsonl')),
        { name: 'refuser', sink: refusing, format: getFormat('raw') },
      ],
    });
    const { ids, bodies } = events(5);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 5, 'acked');
    expect(h.writtenIds()).toEqual(ids);
    const dl = h.deadLetters();
    expect(dl.map((l) => l['eventId'])).toEqual(ids);
    expect(dl[0]).toMatchObject({
      kind: 'sink-rejected',
      route: 'refuser',
      error: { code: 'SINK_REJECTED' },
    });
  });

  it('stops without acking when a sink says SINK_CLOSED, and the broker keeps the events', async () => {
    const closed = {
      name: 'gone',
      start: async () => undefined,
      close: async () => undefined,
      write: async () => {
        throw new AmpError('SINK_CLOSED', 'reader went away', { retryable: false, exitCode: 0 });
      },
    };
    h = await harness({ routes: () => [{ name: 'gone', sink: closed, format: getFormat('raw') }] });
    await h.q.publish(events(10).bodies);
    await h.pipeline.start();
    const outcome = await h.pipeline.done;
    expect(outcome.kind).toBe('fatal');
    expect(outcome.kind === 'fatal' && outcome.error.code).toBe('SINK_CLOSED');
    expect(h.pipeline.stats().acked).toBe(0);
    await waitFor(async () => (await h!.q.depth()).messageCount === 10, 'events back in the queue');
  });

  it('filters per route: filtered-out events are settled for that route and acked', async () => {
    h = await harness({
      routes: (dir) => [
        fileRoute('all', join(dir, 'events.jsonl')),
        {
          ...fileRoute('even-hosts', join(dir, 'even.jsonl')),
          filter: (e) => e.computer?.hostname === 'WS-0',
        },
      ],
    });
    const { ids, bodies } = events(14);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked === 14, 'acked');
    expect(h.writtenIds()).toEqual(ids);
    const routes = h.pipeline.stats().routes;
    expect(routes[1]).toMatchObject({ name: 'even-hosts', written: 2, filtered: 12 });
    expect(await h.metric('ampstream_filtered_total')).toBe(12);
  });

  it('drain gives up on a sink that keeps failing after drainTimeoutMs: requeues everything, ends drained', async () => {
    h = await harness({
      eventsPath: (dir) => join(dir, 'blocked', 'events.jsonl'),
      pipeline: { drainTimeoutMs: 300 },
    });
    writeFileSync(join(h.dir, 'blocked'), 'not a directory');
    await h.q.publish(events(30).bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().routes[0]!.failures >= 2, 'sink failing');
    await h.pipeline.drain();
    expect(await h.pipeline.done).toEqual({ kind: 'drained' });
    expect(h.pipeline.stats()).toMatchObject({ acked: 0, requeued: 30 });
    await waitFor(async () => (await h!.q.depth()).messageCount === 30, 'all 30 back in the queue');
  });
});
