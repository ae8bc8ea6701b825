import { AMQPClient } from '@cloudamqp/amqp-client';
import { amqpsUrl, type CreatedStream, type TestEmulator } from './emulator.js';

/**
 * Make a real gap: take every message out of a stream's queue (as the stream's own user,
 * through the emulator's AMQPS front) and acknowledge it without delivering it anywhere, the
 * way messages past the queue's retention disappear. The events stay in the emulator's
 * `/v1/events` log, so only a backfill can bring them back. Resolves with how many were taken.
 */
export async function discardQueued(emu: TestEmulator, stream: CreatedStream): Promise<number> {
  const client = new AMQPClient(amqpsUrl(stream.amqp_credentials), { ca: emu.caPem }, null);
  const conn = await client.connect();
  try {
    const ch = await conn.channel();
    let n = 0;
    for (;;) {
      const m = await ch.basicGet(stream.amqp_credentials.queue_name, { noAck: true });
      if (m === null) break;
      n++;
    }
    return n;
  } finally {
    await conn.close();
  }
}
