/**
 * Faults that hit the whole shared broker: a RabbitMQ restart and `rabbitmqctl
 * close_all_connections`. They would disturb every other test file's connections, so they
 * live in the `serial` vitest project, which runs alone after all the other files
 * (vitest.config.ts: sequence.groupOrder).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { afterEach, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/index.js';
import { BROKER_URL, eventBody, TestQueue, waitFor } from '../pipeline/broker.js';
import { fileSink, harness, slowed, type Harness } from '../pipeline/harness.js';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 120_000 });
}

/** Wait until a fresh AMQP connection works again (the broker is back). */
async function brokerAnswers(): Promise<void> {
  await waitFor(
    async () => {
      try {
        const probe = await TestQueue.create('ampstream_probe');
        await probe.cleanup();
        return true;
      } catch {
        return false;
      }
    },
    'RabbitMQ accepts connections again',
    120_000,
  );
}

/** Ready messages in `queue`, over a fresh connection (the test queue's own one died with the broker). */
async function readyMessages(queue: string): Promise<number> {
  const client = new AMQPClient(BROKER_URL);
  await client.connect();
  try {
    const ch = await client.channel();
    return (await ch.queueDeclare(queue, { passive: true })).messageCount;
  } finally {
    await client.close().catch(() => undefined);
  }
}

let h: Harness | undefined;
afterEach(async () => {
  const queue = h?.q.name;
  await h?.cleanup();
  h = undefined;
  if (queue !== undefined) {
    // the harness's own connection may have died with the broker: delete over a fresh one
    const client = new AMQPClient(BROKER_URL);
    await client.connect();
    await (await client.channel()).queueDelete(queue).catch(() => undefined);
    await client.close().catch(() => undefined);
  }
});

function publishSet(n: number): { ids: string[]; bodies: Buffer[] } {
  const list = Array.from({ length: n }, (_, i) => eventBody(i, 6600000000000000001n));
  return { ids: list.map((e) => e.id), bodies: list.map((e) => e.body) };
}

async function everyIdWritten(hh: Harness, ids: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      const got = new Set(hh.writtenIds());
      return ids.every((id) => got.has(id)) && hh.pipeline.stats().inFlight === 0;
    },
    'every published id in the file sink',
    120_000,
  );
}

describe('whole-broker faults (run alone)', () => {
  it('survives a RabbitMQ restart mid-drain: reconnects by itself and every event reaches the sink', async () => {
    h = await harness({
      routes: (dir) => [
        {
          name: 'file',
          sink: slowed(fileSink('file', join(dir, 'events.jsonl')), 20),
          format: getFormat('raw'),
        },
      ],
    });
    const { ids, bodies } = publishSet(1500);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked >= 100, 'part of the backlog acked');
    expect(h.pipeline.stats().acked).toBeLessThan(ids.length);

    try {
      await rabbitmqctl('stop_app');
    } finally {
      await rabbitmqctl('start_app');
    }
    await brokerAnswers();

    await everyIdWritten(h, ids);
    const stats = h.pipeline.stats();
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    const written = h.writtenIds();
    // at least once: duplicates only from redelivery of what was unacked at the restart
    expect(written.length - new Set(written).size).toBeLessThanOrEqual(stats.redelivered);
    expect(await readyMessages(h.q.name)).toBe(0);
  });

  it('survives `rabbitmqctl close_all_connections` mid-drain with no loss', async () => {
    h = await harness({
      routes: (dir) => [
        {
          name: 'file',
          sink: slowed(fileSink('file', join(dir, 'events.jsonl')), 20),
          format: getFormat('raw'),
        },
      ],
    });
    const { ids, bodies } = publishSet(1500);
    await h.q.publish(bodies);
    await h.pipeline.start();
    await waitFor(() => h!.pipeline.stats().acked >= 100, 'part of the backlog acked');

    await rabbitmqctl('close_all_connections', 'ampstream test: close_all_connections');

    await everyIdWritten(h, ids);
    expect(h.pipeline.stats().reconnects).toBeGreaterThanOrEqual(1);
  });
});
