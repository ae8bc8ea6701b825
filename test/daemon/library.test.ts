import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, createMetrics, createPipeline, parseConfig, registeredSinks } from '../../src/index.js';
import { RABBIT_URL } from '../helpers/services.js';
import { TestQueue, eventBody, idsOfJsonLines, tempDir, waitFor } from '../pipeline/broker.js';

/**
 * The runtime is a library floor: a program runs a config with what `src/index.ts` exports
 * (no CLI, no process handling), against a real RabbitMQ queue.
 */
describe('the daemon as a library', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('runs a config from the public export: delivers the queue to the file sink, then drains', async () => {
    const queue = await TestQueue.create('ampstream_library');
    const tmp = tempDir('ampstream-library-');
    cleanups.push(() => queue.cleanup(), tmp.remove);
    const events = [1, 2, 3].map((i) => eventBody(i));
    await queue.publish(events.map((e) => e.body));
    const broker = new URL(RABBIT_URL);
    const password = decodeURIComponent(broker.password);
    broker.password = '';
    const { config } = parseConfig(
      `streams:
  - name: lib
    amqp: { url: '${broker.toString()}', queue: ${queue.name}, password: env:LIB_PW }
sinks:
  - name: out
    type: file
    path: out.jsonl
metrics: { listen: false }
`,
      { path: join(tmp.dir, 'ampstream.yaml'), factories: registeredSinks, env: { LIB_PW: password } },
    );
    const daemon = new Daemon(config, {
      createPipeline,
      factories: registeredSinks,
      resolveSecret: async (ref) => (ref === 'env:LIB_PW' ? password : Promise.reject(new Error(ref))),
      vault: async () => undefined,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
    });
    await daemon.start();
    const out = join(tmp.dir, 'out.jsonl');
    const written = async (): Promise<string[]> =>
      idsOfJsonLines(await readFile(out, 'utf8').catch(() => ''));
    await waitFor(async () => (await written()).length === events.length, 'three events in out.jsonl');
    expect(daemon.health().status).toBe('ok');
    await daemon.drain();
    expect(await daemon.done).toEqual({ kind: 'drained' });
    expect((await written()).sort()).toEqual(events.map((e) => e.id).sort());
    expect((await queue.depth()).messageCount).toBe(0);
  });
});
