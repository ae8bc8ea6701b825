import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { RABBIT_MANAGEMENT_API, RABBIT_MANAGEMENT_AUTH, RABBIT_URL } from '../helpers/services.js';

/**
 * Test helpers on the real RabbitMQ and its management API (addresses from
 * test/helpers/services.ts). Every queue, connection name and temp dir is unique, so test files can run in
 * parallel with everyone else's; `cleanup()` removes them.
 */
export const BROKER_URL = RABBIT_URL;
const MGMT = RABBIT_MANAGEMENT_API;
const MGMT_AUTH = RABBIT_MANAGEMENT_AUTH;

/** Shrunk backoff so recovery tests take milliseconds, not seconds. */
export const FAST_BACKOFF = { baseMs: 20, maxMs: 200, minMs: 5 } as const;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export function tempDir(prefix = 'ampstream-core-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A durable queue of our own, with a connection to publish (confirms) and inspect it. */
export class TestQueue {
  readonly name: string;
  readonly #client: AMQPClient;
  #ch: Awaited<ReturnType<AMQPClient['channel']>> | undefined;

  private constructor(name: string) {
    this.name = name;
    this.#client = new AMQPClient(BROKER_URL);
  }

  static async create(prefix = 'ampstream_test'): Promise<TestQueue> {
    const q = new TestQueue(uniqueName(prefix));
    await q.#client.connect();
    q.#ch = await q.#client.channel();
    await q.#ch.queueDeclare(q.name, { durable: true, autoDelete: false, exclusive: false });
    await q.#ch.confirmSelect();
    return q;
  }

  /** Publish persistent messages with publisher confirms. */
  async publish(bodies: readonly (Buffer | string)[], routingKey?: string): Promise<void> {
    const ch = this.#ch!;
    const rk = routingKey ?? this.name;
    for (let i = 0; i < bodies.length; i += 200) {
      await Promise.all(
        bodies
          .slice(i, i + 200)
          .map((b) =>
            routingKey === undefined
              ? ch.basicPublish('', rk, b, { deliveryMode: 2, contentType: 'application/octet-stream' })
              : ch.basicPublish('amq.topic', rk, b, { deliveryMode: 2 }),
          ),
      );
    }
  }

  /** Ready messages (not counting deliveries held unacked by a consumer). */
  async depth(): Promise<{ messageCount: number; consumerCount: number }> {
    const ch = await this.#client.channel();
    try {
      const ok = await ch.queueDeclare(this.name, { passive: true });
      return { messageCount: ok.messageCount, consumerCount: ok.consumerCount };
    } finally {
      if (!ch.closed) await ch.close().catch(() => undefined);
    }
  }

  async deleteQueue(): Promise<void> {
    const ch = await this.#client.channel();
    await ch.queueDelete(this.name).catch(() => undefined);
    if (!ch.closed) await ch.close().catch(() => undefined);
  }

  async cleanup(): Promise<void> {
    await this.deleteQueue().catch(() => undefined);
    await this.#client.close().catch(() => undefined);
  }
}

/** Messages on `queue` that a plain consumer can drain within `ms` (acks them). */
export async function drainQueue(queue: string, ms = 1500): Promise<Buffer[]> {
  const c = new AMQPClient(BROKER_URL);
  await c.connect();
  const ch = await c.channel();
  const got: Buffer[] = [];
  await ch.basicConsume(queue, { noAck: true }, (m) => void got.push(Buffer.from(m.body as Uint8Array)));
  await new Promise((r) => setTimeout(r, ms));
  await c.close().catch(() => undefined);
  return got;
}

async function mgmt(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${MGMT}${path}`, { ...init, headers: { authorization: MGMT_AUTH, ...(init.headers ?? {}) } });
}

/**
 * Force-close (as `rabbitmqctl close_connection` does: connection.close 320 CONNECTION_FORCED)
 * every broker connection whose client-provided name is `connectionName`. Only ours: the
 * broker is shared with other test files. Returns how many were closed.
 */
export async function forceCloseConnections(connectionName: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const res = await mgmt('/connections?columns=name,client_properties');
    const all = (await res.json()) as { name: string; client_properties?: { connection_name?: string } }[];
    const ours = all.filter((c) => c.client_properties?.connection_name === connectionName);
    if (ours.length > 0) {
      for (const c of ours)
        await mgmt(`/connections/${encodeURIComponent(c.name)}`, {
          method: 'DELETE',
          headers: { 'X-Reason': 'test: forced close' },
        });
      return ours.length;
    }
    await new Promise((r) => setTimeout(r, 200)); // the management view lags a little
  }
  return 0;
}

/**
 * A TCP relay in front of the broker, so a test can cut the connection at the socket level
 * (what a network failure or the emulator's `dropConnections()` does).
 */
export class CuttableRelay {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #upstreams = new Set<net.Socket>();
  port = 0;

  constructor() {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(5672, '127.0.0.1');
      this.#sockets.add(client).add(upstream);
      this.#upstreams.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
        this.#upstreams.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Stop relaying broker → client on the current connections (sockets stay open: a wedge). */
  freeze(): void {
    for (const u of this.#upstreams) {
      u.unpipe();
      u.pause();
    }
  }

  /** Destroy every relayed socket (both sides). */
  cut(): number {
    const n = this.#sockets.size / 2;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    return n;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** Poll until `cond()` is true (condition-based waiting, never a fixed sleep as an assertion). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** A realistic event body with an id above 2^53 (odd: a double cannot hold it). */
export function eventBody(i: number, base = 6533241145273614339n): { id: string; body: Buffer } {
  const id = (base + BigInt(i) * 2n).toString();
  const body = `{"id":${id},"timestamp":${1_700_000_000 + i},"timestamp_nanoseconds":1000,"date":"2023-11-14T22:13:20+00:00","event_type":"Threat Detected","event_type_id":1090519054,"detection":"W32.Test","detection_id":"${id}","severity":"Medium","computer":{"hostname":"WS-${i % 7}","connector_guid":"0b4883d4-0000-4404-9453-13cba0ee7662"}}`;
  return { id, body: Buffer.from(body) };
}

export function idsOfJsonLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => /"id":(-?\d+)/.exec(l)![1]!);
}
