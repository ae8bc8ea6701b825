import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import type { CreatedStream, TestEmulator } from '../helpers/emulator.js';
import { amqpsUrl } from '../helpers/emulator.js';
import { RABBIT_MANAGEMENT_API, RABBIT_MANAGEMENT_AUTH, RABBIT_URL } from '../helpers/services.js';

/** Small AMQP helpers for the emulator's broker tests (RabbitMQ admin, stream users via AMQPS). */

export const MANAGEMENT = RABBIT_MANAGEMENT_API;
const GUEST_AUTH = RABBIT_MANAGEMENT_AUTH;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- management API JSON, asserted field by field
export async function management(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${MANAGEMENT}${path}`, { headers: { authorization: GUEST_AUTH } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Connect as the stream's own user through the emulator's AMQPS front, trusting its CA. */
export async function connectAsStream(emu: TestEmulator, stream: CreatedStream): Promise<AMQPClient> {
  const client = new AMQPClient(amqpsUrl(stream.amqp_credentials), { ca: emu.caPem }, null);
  await client.connect();
  return client;
}

export async function connectAsGuest(): Promise<AMQPClient> {
  const client = new AMQPClient(RABBIT_URL, undefined, null);
  await client.connect();
  return client;
}

/** Messages ready in a queue (passive declare as guest). */
export async function queueDepth(guest: AMQPClient, queue: string): Promise<number> {
  const ch = await guest.channel();
  try {
    return (await ch.queueDeclare(queue, { passive: true })).messageCount;
  } finally {
    if (!ch.closed) await ch.close();
  }
}

/** Whether a queue exists (passive declare as guest; NOT_FOUND closes the channel). */
export async function queueExists(guest: AMQPClient, queue: string): Promise<boolean> {
  const ch = await guest.channel();
  try {
    await ch.queueDeclare(queue, { passive: true });
    await ch.close();
    return true;
  } catch {
    return false;
  }
}

/** Get up to `max` messages with basic.get (acking them), for body inspection. */
export async function getMessages(
  ch: AMQPChannel,
  queue: string,
  max: number,
): Promise<{ body: string; routingKey: string; headers: unknown }[]> {
  const out: { body: string; routingKey: string; headers: unknown }[] = [];
  for (let i = 0; i < max; i++) {
    const m = await ch.basicGet(queue, { noAck: true });
    if (m === null) break;
    out.push({ body: m.bodyToString() ?? '', routingKey: m.routingKey, headers: m.properties.headers });
  }
  return out;
}

/** What went wrong in `fn`, as the error message (the AMQP reply text, e.g. ACCESS_REFUSED). */
export async function failureOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}
