import { randomUUID } from 'node:crypto';
import type { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiRequest,
  createStreamViaRest,
  deleteAllStreams,
  type TestEmulator,
  withEmulator,
} from '../helpers/emulator.js';
import {
  connectAsGuest,
  connectAsStream,
  failureOf,
  getMessages,
  management,
  queueDepth,
  queueExists,
} from './amqp-helpers.js';
import { RABBIT_MANAGEMENT_API, RABBIT_MANAGEMENT_AUTH } from '../helpers/services.js';

const THREAT_DETECTED = 1090519054;
const POLICY_UPDATE = 553648130;

let emu: TestEmulator;
let guest: AMQPClient;
const clients: AMQPClient[] = [];

beforeAll(async () => {
  emu = await withEmulator({ seed: 21 });
  guest = await connectAsGuest();
});
afterEach(async () => {
  for (const c of clients.splice(0)) if (!c.closed) await c.close().catch(() => undefined);
  await deleteAllStreams(emu);
});
afterAll(async () => {
  await guest?.close();
  await emu?.close();
});

const name = (): string => `broker ${randomUUID()}`;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('per-stream queues and users', () => {
  it('declares a durable queue with the 10-day message TTL', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    const q = await management(`/queues/%2F/${s.amqp_credentials.queue_name}`);
    expect(q.status).toBe(200);
    expect(q.body.durable).toBe(true);
    expect(q.body.arguments).toEqual({ 'x-message-ttl': 864000000 });
  });

  it('lets the stream user passive-declare and consume its own queue over AMQPS', async () => {
    const s = await createStreamViaRest(emu, { name: name(), event_type: [THREAT_DETECTED] });
    const published = await emu.publish(5, { eventTypeIds: [THREAT_DETECTED] });
    const client = await connectAsStream(emu, s);
    clients.push(client);
    const ch = await client.channel();
    const ok = await ch.queueDeclare(s.amqp_credentials.queue_name, { passive: true, durable: true });
    expect(ok.messageCount).toBe(5);
    const got: string[] = [];
    const consumer = await ch.basicConsume(s.amqp_credentials.queue_name, { noAck: false }, async (m) => {
      got.push(m.bodyToString() ?? '');
      await m.ack();
    });
    await until(async () => got.length === 5, 'five deliveries');
    await consumer.cancel();
    expect(got.map((b) => /^\{"id":(\d+),/.exec(b)?.[1])).toEqual(published.map((e) => e.id));
  });

  it('refuses a non-passive declare by the stream user with ACCESS_REFUSED', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    const client = await connectAsStream(emu, s);
    clients.push(client);
    const ch = await client.channel();
    const err = await failureOf(() =>
      ch.queueDeclare(s.amqp_credentials.queue_name, { durable: true }, { 'x-message-ttl': 864000000 }),
    );
    expect(err).toContain('ACCESS_REFUSED');
  });

  it("refuses to let one stream's user consume another stream's queue", async () => {
    const a = await createStreamViaRest(emu, { name: name() });
    const b = await createStreamViaRest(emu, { name: name() });
    const client = await connectAsStream(emu, a);
    clients.push(client);
    const ch = await client.channel();
    const err = await failureOf(() =>
      ch.basicConsume(b.amqp_credentials.queue_name, { noAck: false }, () => undefined),
    );
    expect(err).toContain('ACCESS_REFUSED');
    const pub = await client.channel();
    expect(
      await failureOf(() =>
        pub
          .basicPublish('events_api_stream', 'x.y.z', 'hi')
          .then(() => pub.queueDeclare('amq.gen-probe', { passive: true })),
      ),
    ).toContain('ACCESS_REFUSED');
  });

  it("lets a stream user passive-declare another stream's queue (RabbitMQ checks no permission there) but not read it", async () => {
    // documents what the broker permissions mean: passive declare = existence + counts only
    const a = await createStreamViaRest(emu, { name: name() });
    const b = await createStreamViaRest(emu, { name: name() });
    const client = await connectAsStream(emu, a);
    clients.push(client);
    const ch = await client.channel();
    expect((await ch.queueDeclare(b.amqp_credentials.queue_name, { passive: true })).name).toBe(
      b.amqp_credentials.queue_name,
    );
    expect(await failureOf(() => ch.basicGet(b.amqp_credentials.queue_name))).toContain('ACCESS_REFUSED');
  });

  it('removes the queue and the broker user on DELETE', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    expect((await management(`/users/${s.amqp_credentials.user_name}`)).status).toBe(200);
    expect((await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`)).status).toBe(200);
    expect(await queueExists(guest, s.amqp_credentials.queue_name)).toBe(false);
    expect((await management(`/users/${s.amqp_credentials.user_name}`)).status).toBe(404);
    expect(await failureOf(() => connectAsStream(emu, s))).not.toBe('no error');
  });
});

describe('routing by stream filters', () => {
  it('routes each event to exactly the streams whose type and group filters match', async () => {
    const g = emu.fleet.groups[1]!.guid;
    const all = await createStreamViaRest(emu, { name: name() });
    const types = await createStreamViaRest(emu, { name: name(), event_type: [THREAT_DETECTED] });
    const groups = await createStreamViaRest(emu, { name: name(), group_guid: [g] });
    const both = await createStreamViaRest(emu, {
      name: name(),
      event_type: [THREAT_DETECTED],
      group_guid: [g],
    });
    const events = await emu.publish(200, { eventTypeIds: [THREAT_DETECTED, POLICY_UPDATE] });
    const inGroup = (e: (typeof events)[number]) => e.group_guids?.includes(g) === true;
    const isTd = (e: (typeof events)[number]) => e.event_type_id === THREAT_DETECTED;
    const expected = new Map([
      [all, events.length],
      [types, events.filter(isTd).length],
      [groups, events.filter(inGroup).length],
      [both, events.filter((e) => isTd(e) && inGroup(e)).length],
    ]);
    expect(expected.get(both)).toBeGreaterThan(0);
    expect(expected.get(both)).toBeLessThan(events.length);
    for (const [s, n] of expected) {
      await until(
        async () => (await queueDepth(guest, s.amqp_credentials.queue_name)) === n,
        `${n} in ${s.name}`,
      );
    }
    const ch = await guest.channel();
    const msgs = await getMessages(ch, both.amqp_credentials.queue_name, 3);
    for (const m of msgs) {
      expect(m.routingKey).toMatch(new RegExp(`^${emu.orgGuid}\\.[0-9a-f-]{36}\\.${THREAT_DETECTED}$`));
      expect(m.headers).toEqual({ CC: [`${m.routingKey}.${g}`] });
    }
    await ch.close();
  });

  it('rebinds the queue when PATCH changes the filters', async () => {
    const s = await createStreamViaRest(emu, { name: name(), event_type: [THREAT_DETECTED] });
    const q = s.amqp_credentials.queue_name;
    await emu.publish(10, { eventTypeIds: [POLICY_UPDATE] });
    expect(await queueDepth(guest, q)).toBe(0);
    await apiRequest(emu, 'PATCH', `/v1/event_streams/${s.id}`, { body: { event_type: [POLICY_UPDATE] } });
    await emu.publish(10, { eventTypeIds: [POLICY_UPDATE] });
    await emu.publish(10, { eventTypeIds: [THREAT_DETECTED] });
    await until(async () => (await queueDepth(guest, q)) === 10, 'ten policy updates');
    const bindings = await management(`/queues/%2F/${q}/bindings`);
    const keys = (bindings.body as { source: string; routing_key: string }[])
      .filter((b) => b.source === 'events_api_stream')
      .map((b) => b.routing_key);
    expect(keys).toEqual([`${emu.orgGuid}.*.${POLICY_UPDATE}`]);
  });

  it('publishes raw bytes through the exchange to matching streams', async () => {
    const s = await createStreamViaRest(emu, { name: name(), event_type: [THREAT_DETECTED] });
    await emu.publishRaw(Buffer.from([0xff, 0x00, 0x7b]));
    const ch = await guest.channel();
    await until(
      async () => (await queueDepth(guest, s.amqp_credentials.queue_name)) === 1,
      'the raw message',
    );
    const m = await ch.basicGet(s.amqp_credentials.queue_name, { noAck: true });
    expect(Buffer.from(m!.body!)).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    expect(m!.properties).toMatchObject({ contentType: 'application/octet-stream', deliveryMode: 2 });
    await ch.close();
  });

  it("does not deliver one emulator org's events to another emulator on the same broker", async () => {
    const other = await withEmulator({ seed: 21 });
    try {
      const mine = await createStreamViaRest(emu, { name: name() });
      const theirs = await createStreamViaRest(other, { name: name() });
      await other.publish(7);
      await until(
        async () => (await queueDepth(guest, theirs.amqp_credentials.queue_name)) === 7,
        'their events',
      );
      expect(await queueDepth(guest, mine.amqp_credentials.queue_name)).toBe(0);
      expect(theirs.id).not.toBe(mine.id);
    } finally {
      await other.close();
    }
  });
});

describe('AMQPS front', () => {
  it('cuts every client connection on dropConnections', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    const client = await connectAsStream(emu, s);
    clients.push(client);
    const disconnected = new Promise<void>((resolve) => {
      client.ondisconnect = () => resolve();
    });
    const ch = await client.channel();
    await ch.queueDeclare(s.amqp_credentials.queue_name, { passive: true });
    emu.dropConnections();
    await disconnected;
    expect(client.closed).toBe(true);
    // and the front keeps accepting new connections
    const again = await connectAsStream(emu, s);
    clients.push(again);
    expect(again.closed).toBe(false);
  });

  it('refuses a TLS client that does not trust the emulator CA', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    const { AMQPClient } = await import('@cloudamqp/amqp-client');
    const c = s.amqp_credentials;
    const untrusting = new AMQPClient(
      `amqps://${c.user_name}:${c.password}@${c.host}:${c.port}`,
      undefined,
      null,
    );
    expect(await failureOf(() => untrusting.connect())).toMatch(/certificate|self.signed|issuer/i);
  });
});

describe('broker connection loss', () => {
  it('reconnects to the broker and keeps serving after its connection was closed', async () => {
    const s = await createStreamViaRest(emu, { name: name() });
    let conn: { name: string } | undefined;
    await until(async () => {
      const all = (await management('/connections')).body as {
        name: string;
        client_properties?: { connection_name?: string };
      }[];
      conn = all.find((c) => c.client_properties?.connection_name === `ampstream-emulator ${emu.orgGuid}`);
      return conn !== undefined;
    }, "the emulator's broker connection");
    const res = await fetch(`${RABBIT_MANAGEMENT_API}/connections/${encodeURIComponent(conn!.name)}`, {
      method: 'DELETE',
      headers: { authorization: RABBIT_MANAGEMENT_AUTH },
    });
    expect(res.status).toBe(204);
    // the next operations reopen the connection
    await until(async () => {
      try {
        await emu.publish(3);
        return true;
      } catch {
        return false;
      }
    }, 'a publish after the connection loss');
    await until(async () => (await queueDepth(guest, s.amqp_credentials.queue_name)) >= 3, 'the events');
    const another = await createStreamViaRest(emu, { name: name() });
    expect(another.id).toBeGreaterThan(s.id);
  });
});
