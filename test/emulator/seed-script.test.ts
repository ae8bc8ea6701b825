import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKERS, type TestEmulator, apiRequest, withEmulator } from '../helpers/emulator.js';

/**
 * The seed tech note's own Python (test/fixtures/seed_script.py: requests POST with a form
 * body, pika over amqps) against the emulator, on the built-in broker and on RabbitMQ.
 * Debian's /usr/bin/python3 has pika and requests.
 */

const SCRIPT = fileURLToPath(new URL('../fixtures/seed_script.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const THREAT_DETECTED = 1090519054;
const EVENTS = 5;

/** Resolves with stdout once `done(stdout)` holds; rejects if the process exits first. */
function waitForOutput(
  p: ChildProcess,
  done: (out: string) => boolean,
  stderr: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      if (done(out)) {
        p.stdout?.off('data', onData);
        resolve(out);
      }
    };
    p.stdout?.on('data', onData);
    p.once('exit', (code) =>
      reject(new Error(`seed script exited with ${code}\nstdout:\n${out}\nstderr:\n${stderr()}`)),
    );
  });
}

describe.each(BROKERS)("the seed tech note's Python script (%s broker)", (broker) => {
  let emu: TestEmulator;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 41 }, broker);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await emu?.close();
  });

  it('creates a stream (201), connects over amqps and prints the events it receives', async () => {
    const group = emu.fleet.groups[1]!;
    let stderr = '';
    child = spawn(PYTHON, ['-u', SCRIPT], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        REQUESTS_CA_BUNDLE: emu.caPath,
        AMPSTREAM_EMU_URL: `${emu.apiUrl}/v1/event_streams`,
        AMPSTREAM_EMU_CLIENT_ID: emu.clientId,
        AMPSTREAM_EMU_API_KEY: emu.apiKey,
        AMPSTREAM_EMU_GROUP_GUID: group.guid,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const created = await waitForOutput(
      child,
      (o) => /^data: /m.test(o),
      () => stderr,
    );
    expect(created.split('\n')[0]).toBe('201');
    expect(created).toMatch(/^version: v1\.2\.0$/m);

    const streams = await apiRequest(emu, 'GET', '/v1/event_streams');
    expect(streams.body.data).toHaveLength(1);
    expect(streams.body.data[0]).toMatchObject({
      name: 'Event Stream for ACME Inc',
      event_types: [THREAT_DETECTED],
      group_guids: [group.guid],
    });

    // events of the stream's type and group, plus others the stream must not receive
    await emu.publish(20, { eventTypeIds: [553648130] });
    const published = await emu.publish(EVENTS, {
      eventTypeIds: [THREAT_DETECTED],
      groupGuids: [group.guid],
    });
    const output = await waitForOutput(
      child,
      (o) => (o.match(/^b'\{"id":/gm) ?? []).length >= EVENTS,
      () => stderr,
    );
    const printed = [...output.matchAll(/^b'\{"id":(\d+),.*"event_type_id":(\d+)/gm)];
    expect(printed.map((m) => m[1])).toEqual(published.map((e) => e.id));
    expect(printed.every((m) => Number(m[2]) === THREAT_DETECTED)).toBe(true);
    expect(printed.every((m) => BigInt(m[1]!) > 2n ** 53n)).toBe(true);
  });
});
