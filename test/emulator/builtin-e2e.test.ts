import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, until } from '../cli/run-cli.js';
import { lines, startRun, useRunFixture } from '../cli/run-setup.js';
import { amqpsUrl, createStreamViaRest, withEmulator } from '../helpers/emulator.js';

/**
 * The built-in broker end to end, with no RabbitMQ: the demo and the emulator inside a
 * network namespace with only loopback (`unshare -n`), `ampstream run` draining injected
 * events through a SIGKILL, poison lines dead-lettered, and queued events surviving an
 * emulator restart with the same --data-dir.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Run `script` under sh in a fresh network namespace with only loopback up. */
function inEmptyNetns(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up; ${script}`], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/root',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const event = (n: number): string =>
  `{"id":${6796363133729000000n + BigInt(n)},"timestamp":1700000000,"timestamp_nanoseconds":0,"date":"2023-11-14T22:13:20+00:00","event_type":"Threat Detected","event_type_id":1090519054,"n":${n}}`;

describe('with no RabbitMQ (unshare -n, loopback only)', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('`npm run demo -- --count 5` prints 5 events and exits 0', async () => {
    const r = await inEmptyNetns('exec npm run --silent demo -- --count 5 --rate 20');
    expect(r.stderr).toContain('5 events shown and acknowledged');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
  });

  it("`ampstream emulator --json` with no broker flags serves the tech note's pika script", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampstream-netns-'));
    try {
      const ready = join(dir, 'ready.json');
      const r = await inEmptyNetns(
        [
          `node --import tsx src/cli/main.ts emulator --json --rate 400 --ready-file ${ready} > /dev/null &`,
          'E=$!',
          `i=0; while [ ! -s ${ready} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`,
          `/usr/bin/python3 -u ${FIXTURES}seed_driver.py ${ready} ${FIXTURES}seed_script.py 3`,
          'S=$?',
          'kill $E; wait $E',
          'exit $S',
        ].join('\n'),
      );
      expect(r.stdout.split('\n')[0]).toBe('201');
      expect((r.stdout.match(/^b'\{"id":\d+,/gm) ?? []).length).toBe(3);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ampstream run on the built-in broker', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  const f = useRunFixture('builtin');

  it('drains injected events with none lost although the daemon is SIGKILLed mid-drain and restarted; poison lines are dead-lettered', async () => {
    const dead = join(mkdtempSync(join(tmpdir(), 'ampstream-dl-')), 'dead.jsonl');
    const s = await f.setup(`batch: { maxEvents: 5, maxWaitMs: 0 }\ndeadLetter: { path: ${dead} }\n`);
    const total = 600;
    const poison = [Buffer.from('not json'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])];
    const bodies = Array.from({ length: total }, (_, i) => Buffer.from(event(i)));
    bodies.splice(100, 0, poison[0]!);
    bodies.splice(400, 0, poison[1]!);
    await f.emu().inject(s.stream.id, bodies);

    const p = startRun(s, '--prefetch', '10');
    await until(() => lines(s.out).length >= 50, 120_000, 'first lines');
    p.child.kill('SIGKILL');
    await p.exited;
    const again = startRun(s, '--exit-when-idle', '1');
    expect((await again.exited).code).toBe(0);

    const ids = new Set(lines(s.out));
    expect(ids).toEqual(
      new Set(
        bodies
          .slice(0)
          .filter((b) => b[0] === 0x7b && b[1] === 0x22)
          .map((b) => /"id":(\d+)/.exec(b.toString())![1]),
      ),
    );
    expect(ids.size).toBe(total);
    const letters = readFileSync(dead, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Buffer.from((JSON.parse(l) as { body: string }).body, 'base64').toString('hex'));
    expect(new Set(letters)).toEqual(new Set(poison.map((b) => b.toString('hex'))));
    expect(await f.emu().queueDepth(s.stream.id)).toBe(0);
  });
});

describe('the built-in broker with --data-dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-emu-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers after a restart the events queued before it, including ones delivered but not acknowledged', async () => {
    const first = await withEmulator({ dataDir: dir, seed: 81 }, 'builtin');
    const s = await createStreamViaRest(first, { name: 'durable' });
    await first.inject(s.id, [Buffer.from('{"n":0}'), Buffer.from('{"n":1}'), Buffer.from('{"n":2}')]);
    const generated = await first.publish(2);
    // take and ack one, take one more and leave it unacknowledged when the emulator stops
    const c = new AMQPClient(amqpsUrl(s.amqp_credentials), { ca: first.caPem }, null);
    await c.connect();
    const ch = await c.channel();
    await (await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false }))!.ack();
    expect(await ch.basicGet(s.amqp_credentials.queue_name, { noAck: false })).not.toBeNull();
    await first.close();
    await until(() => c.closed, 10_000, 'the client to see the emulator go');

    const second = await withEmulator({ dataDir: dir, seed: 81 }, 'builtin');
    try {
      const creds = { ...s.amqp_credentials, port: String(second.amqpPort) };
      const c2 = new AMQPClient(amqpsUrl(creds), { ca: second.caPem }, null);
      await c2.connect();
      const ch2 = await c2.channel();
      const got: string[] = [];
      for (;;) {
        const m = await ch2.basicGet(s.amqp_credentials.queue_name, { noAck: true });
        if (m === null) break;
        got.push(m.bodyToString() ?? '');
      }
      await c2.close();
      expect(got.slice(0, 2)).toEqual(['{"n":1}', '{"n":2}']);
      expect(got.slice(2).map((b) => /"id":(\d+)/.exec(b)?.[1])).toEqual(generated.map((e) => e.id));
    } finally {
      await second.close();
    }
  });
});
