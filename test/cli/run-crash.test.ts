import { describe, expect, it } from 'vitest';
import { queueDepth, until, CLI_TEST_TIMEOUT_MS } from './run-cli.js';
import { lines, startRun, useRunFixture } from './run-setup.js';

/** `ampstream run` under signals and crashes: no event lost, acks only for what was written. */
const f = useRunFixture();

describe('ampstream run, stopped mid-drain', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('on SIGTERM mid-drain exits 0 having acked exactly what it wrote; a restart delivers the rest, none lost or doubled', async () => {
    const s = await f.setup('batch: { maxEvents: 5, maxWaitMs: 0 }\n', undefined);
    const total = 600;
    const published = (await f.emu().publish(total)).map((e) => e.id);
    const p = startRun(s, '--prefetch', '10');
    await until(() => lines(s.out).length >= 50, 120_000, 'first lines');
    p.child.kill('SIGTERM');
    const r = await p.exited;
    expect(r.code).toBe(0);
    const written = lines(s.out);
    const depth = await queueDepth(s.stream.amqp_credentials.queue_name);
    expect(depth).toBe(total - written.length); // every written event acked, every other one back in the queue

    const again = startRun(s, '--exit-when-idle', '1');
    expect((await again.exited).code).toBe(0);
    const all = lines(s.out);
    expect(all).toHaveLength(total);
    expect(new Set(all)).toEqual(new Set(published));
  });

  // Dedup remembers an id once every route has written it: a crash between the write and that
  // moment (the fsync of the batch in flight) can still duplicate that one batch; every
  // redelivery of an event written before is dropped.
  it.each([
    ['without dedup: every id arrives (duplicates allowed)', false],
    ['with dedup: every id arrives, duplicates at most the one batch in flight at the crash', true],
  ])('after SIGKILL mid-drain and a restart, %s', async (_name, dedup) => {
    const s = await f.setup(`batch: { maxEvents: 5, maxWaitMs: 0 }\ndedup: { enabled: ${dedup} }\n`);
    const total = 600;
    const published = (await f.emu().publish(total)).map((e) => e.id);
    const p = startRun(s, '--prefetch', '10');
    await until(() => lines(s.out).length >= 50, 120_000, 'first lines');
    p.child.kill('SIGKILL');
    await p.exited;
    const again = startRun(s, '--exit-when-idle', '1');
    expect((await again.exited).code).toBe(0);
    const all = lines(s.out);
    expect(new Set(all)).toEqual(new Set(published));
    if (dedup) expect(all.length - total).toBeLessThanOrEqual(5); // batch.maxEvents
    expect(await queueDepth(s.stream.amqp_credentials.queue_name)).toBe(0);
  });

  it('a second signal exits at once with 130 while the drain waits on a failing sink; nothing is lost', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there: the sink is down
    const s = await f.setup(
      'shutdown: { drainTimeoutSeconds: 600 }\n',
      undefined,
      `  - { name: siem, type: http, url: 'http://127.0.0.1:${port}/in' }\n`,
    );
    await f.emu().publish(20);
    const p = startRun(s);
    await p.waitFor(/"msg":"running"/);
    await until(() => lines(s.out).length >= 20, 120_000, 'the file sink got the events');
    p.child.kill('SIGTERM');
    await p.waitFor(/"msg":"draining/);
    p.child.kill('SIGTERM');
    const r = await p.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/second signal: exiting now/);
    expect(await queueDepth(s.stream.amqp_credentials.queue_name)).toBe(20); // the http sink never took them: none acked
  });
});
