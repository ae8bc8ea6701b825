import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, createMetrics, createPipeline, parseConfig, registeredSinks } from '../../src/index.js';
import type { PipelineOptions } from '../../src/pipeline/types.js';
import { tempDir, waitFor } from '../pipeline/broker.js';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released): connections are refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('a sink that is down when the daemon starts', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('is retried with backoff, and a drain ends the wait at once (start settles, no pipeline starts)', async () => {
    const tmp = tempDir('ampstream-sink-start-');
    cleanups.push(tmp.remove);
    const { config } = parseConfig(
      `streams:
  - name: s
    amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: never_reached, password: env:PW }
sinks:
  - name: pg
    type: postgres
    host: 127.0.0.1
    port: ${await refusedPort()}
    connectTimeoutMs: 2000
metrics: { listen: false }
`,
      { path: `${tmp.dir}/ampstream.yaml`, factories: registeredSinks, env: { PW: 'pw' } },
    );
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const pipelines: PipelineOptions[] = [];
    const daemon = new Daemon(config, {
      createPipeline: (o) => {
        pipelines.push(o);
        return createPipeline(o);
      },
      factories: registeredSinks,
      resolveSecret: async () => 'pw',
      vault: async () => undefined,
      logger,
      metrics: createMetrics(),
      // the wait between attempts is drawn from up to ~23 days: only the drain can end it
      retry: { baseMs: 2_000_000_000, maxMs: 2_000_000_000 },
    });
    const starting = daemon.start();
    await waitFor(
      () => lines.some((l) => l.includes('sink failed to start; retrying')),
      'the first failed start of the postgres sink',
    );
    await daemon.drain();
    await starting;
    expect(await daemon.done).toEqual({ kind: 'drained' });
    expect(pipelines).toEqual([]);
  });
});
