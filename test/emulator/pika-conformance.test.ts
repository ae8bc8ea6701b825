import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amqpsUrl,
  BROKERS,
  createStreamViaRest,
  deleteAllStreams,
  type TestEmulator,
  withEmulator,
} from '../helpers/emulator.js';

/**
 * pika (Debian's python3-pika, the client of the tech note) beyond the seed script, on both
 * brokers: passive declares, another stream's queue refused, prefetch, nack with requeue
 * (redelivered), ack multiple, basic.get / get-empty.
 */

const SCRIPT = fileURLToPath(new URL('../fixtures/pika_conformance.py', import.meta.url));

describe.each(BROKERS)('pika (%s broker)', (broker) => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 93 }, broker);
  });
  afterAll(async () => {
    await deleteAllStreams(emu);
    await emu?.close();
  });

  it('sees the same answers as from RabbitMQ: 404, 403, redelivery after a nack, get-empty', async () => {
    const mine = await createStreamViaRest(emu, { name: `pika ${randomUUID()}` });
    const other = await createStreamViaRest(emu, { name: `pika ${randomUUID()}` });
    await emu.inject(mine.id, [Buffer.from('{"n":0}'), Buffer.from('{"n":1}'), Buffer.from('{"n":2}')]);
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-u', SCRIPT], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        AMQP_URL: amqpsUrl(mine.amqp_credentials),
        CA_FILE: emu.caPath,
        QUEUE: mine.amqp_credentials.queue_name,
        OTHER_QUEUE: other.amqp_credentials.queue_name,
      },
      timeout: 60_000,
    });
    expect(stdout.trim().split('\n')).toEqual([
      'passive-own: 3',
      'passive-missing: 404',
      'get-other: 403',
      'redelivered: {"n":0} True',
      'after: get-empty',
    ]);
  });
});
