import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FILE } from '../../src/emulator/state.js';
import { apiRequest, createStreamViaRest, withEmulator } from '../helpers/emulator.js';
import { connectAsGuest, connectAsStream, management, queueDepth, queueExists } from './amqp-helpers.js';
import { RABBIT_MANAGEMENT_API, RABBIT_MANAGEMENT_AUTH } from '../helpers/services.js';

let guest: AMQPClient;
beforeAll(async () => {
  guest = await connectAsGuest();
});
afterAll(async () => {
  await guest?.close();
});

describe('emulator state', () => {
  it('keeps streams, keys, CA and queued events across a restart with a data dir, then deletes cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ampstream-emu-persist-'));
    try {
      const first = await withEmulator({ dataDir, seed: 31 });
      const stream = await createStreamViaRest(first, { name: 'kept across restarts' });
      await first.publish(4);
      const firstCa = first.caPem;
      const keys = [first.clientId, first.apiKey, first.readOnlyApiKey, first.orgGuid];
      await first.close();

      // the queue, its events and the user outlive the process
      expect(await queueDepth(guest, stream.amqp_credentials.queue_name)).toBe(4);
      const file = join(dataDir, STATE_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8')).streams[0].password).toBe(
        stream.amqp_credentials.password,
      );
      expect((await stat(join(dataDir, 'ca', 'ca.key'))).mode & 0o777).toBe(0o600);

      // the user is re-created from the stored password even if it vanished meanwhile
      await fetch(`${RABBIT_MANAGEMENT_API}/users/${stream.amqp_credentials.user_name}`, {
        method: 'DELETE',
        headers: { authorization: RABBIT_MANAGEMENT_AUTH },
      });
      const second = await withEmulator({ dataDir, seed: 31 });
      try {
        expect([second.clientId, second.apiKey, second.readOnlyApiKey, second.orgGuid]).toEqual(keys);
        expect(second.caPem).toBe(firstCa);
        const shown = await apiRequest(second, 'GET', `/v1/event_streams/${stream.id}`);
        expect(shown.body.data.name).toBe('kept across restarts');
        expect(shown.body.data.amqp_credentials.port).toBe(String(second.amqpPort));
        const moved = {
          ...stream,
          amqp_credentials: { ...stream.amqp_credentials, port: String(second.amqpPort) },
        };
        const client = await connectAsStream(second, moved);
        const ch = await client.channel();
        expect(
          (await ch.queueDeclare(stream.amqp_credentials.queue_name, { passive: true })).messageCount,
        ).toBe(4);
        await client.close();
        const next = await createStreamViaRest(second, { name: 'second' });
        expect(next.id).toBeGreaterThan(stream.id);
        for (const id of [stream.id, next.id])
          expect((await apiRequest(second, 'DELETE', `/v1/event_streams/${id}`)).status).toBe(200);
      } finally {
        await second.close();
      }
      expect(await queueExists(guest, stream.amqp_credentials.queue_name)).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('leaves the broker clean of its queues and users when an in-memory emulator closes', async () => {
    const emu = await withEmulator({ seed: 32 });
    const a = await createStreamViaRest(emu, { name: 'a' });
    const b = await createStreamViaRest(emu, { name: 'b', event_type: [1090519054] });
    await emu.publish(3);
    const caDir = join(emu.caPath, '..');
    await emu.close();
    for (const s of [a, b]) {
      expect(await queueExists(guest, s.amqp_credentials.queue_name)).toBe(false);
      expect((await management(`/users/${s.amqp_credentials.user_name}`)).status).toBe(404);
    }
    await expect(stat(caDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await emu.close(); // idempotent
  });

  it('fails with BROKER_UNREACHABLE and a hint when the broker does not answer', async () => {
    const err = await withEmulator({ brokerUrl: 'amqp://guest:guest@127.0.0.1:1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'BROKER_UNREACHABLE',
      hint: expect.stringContaining('rabbitmq-server -detached'),
    });
  });

  it('hands out the broker credentials when the management API is unreachable', async () => {
    const emu = await withEmulator({ seed: 33, managementUrl: 'http://guest:guest@127.0.0.1:1' });
    try {
      const s = await createStreamViaRest(emu, { name: 'fallback' });
      expect(s.amqp_credentials.user_name).toBe('guest');
      expect(s.amqp_credentials.password).toBe('guest');
      const client = await connectAsStream(emu, s);
      const ch = await client.channel();
      await ch.queueDeclare(s.amqp_credentials.queue_name, { passive: true });
      await client.close();
    } finally {
      await emu.close();
    }
  });
});

describe('continuous publishing', () => {
  it('keeps publishing generated events at --rate into matching streams', async () => {
    const emu = await withEmulator({ seed: 34, rate: 200 });
    try {
      const s = await createStreamViaRest(emu, { name: 'rate' });
      for (let i = 0; i < 300 && (await queueDepth(guest, s.amqp_credentials.queue_name)) < 20; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await queueDepth(guest, s.amqp_credentials.queue_name)).toBeGreaterThanOrEqual(20);
      const events = await apiRequest(emu, 'GET', '/v1/events?limit=1');
      expect(events.body.metadata.results.total).toBeGreaterThanOrEqual(20);
    } finally {
      await emu.close();
    }
  });
});
