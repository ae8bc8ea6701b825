import { rootCertificates } from 'node:tls';
import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import type { AMQPTlsOptions } from '@cloudamqp/amqp-client/amqp-tls-options';
import { AmpError } from '../errors.js';
import type { ProxySettings } from '../proxy/settings.js';
import { openTunnel } from '../proxy/tunnel.js';
import { classifyAmqpError } from '../source/classify.js';
import { connectThroughTunnel } from '../source/amqp-client-internals.js';

/**
 * A look at a stream's queue without consuming: connect (through the proxy when there is one),
 * open a channel, passive declare (message count and consumer count, all AMQP 0-9-1 tells),
 * and optionally peek at the head message to estimate the age of the oldest event.
 *
 * AMQP 0-9-1 does not expose a message's age, nor the queue's TTL (a passive declare returns
 * only the two counts). The peek is the approximation: `basic.get` of the head message, read
 * its event time, then `basic.reject(requeue)`. The message goes back to the head of the
 * queue, marked `redelivered` (harmless: the consumer handles redeliveries). With a consumer
 * attached, the head is the oldest message not already prefetched by it.
 */
export interface QueueTarget {
  /** secret: holds the password */
  readonly url: string;
  readonly queue: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly proxy?: ProxySettings;
}

export interface QueueLook {
  readonly messageCount: number;
  readonly consumerCount: number;
  /** undefined: not peeked, or the queue was empty */
  readonly oldest?: { readonly eventTime: number | undefined; readonly redelivered: boolean };
}

export async function lookAtQueue(
  t: QueueTarget,
  options: { readonly timeoutMs: number; readonly peek: boolean },
): Promise<QueueLook> {
  const u = new URL(t.url);
  const tls = u.protocol === 'amqps:';
  const port = u.port === '' ? (tls ? 5671 : 5672) : Number(u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  u.searchParams.set('name', 'ampstream doctor');
  u.searchParams.set('heartbeat', '0');
  const client = new AMQPClient(
    u.toString(),
    tls
      ? ({
          ...(t.ca === undefined ? {} : { ca: [...rootCertificates, t.ca.toString('utf8')] }),
          rejectUnauthorized: !t.insecure,
        } as AMQPTlsOptions)
      : undefined,
  );
  let socketError: NodeJS.ErrnoException | undefined;
  let step = t.proxy === undefined ? 'connecting' : `connecting through the proxy ${t.proxy.display}`;
  const ctx = (): Parameters<typeof classifyAmqpError>[1] => ({
    queue: t.queue,
    host: `${host}:${port}`,
    socketError,
    step,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${options.timeoutMs} ms while ${step}`)),
      options.timeoutMs,
    );
  });
  try {
    if (t.proxy !== undefined) {
      if (!tls)
        throw new AmpError('CONFIG_INVALID', 'a proxy is only supported for amqps://', { hint: 'use amqps' });
      const tunnel = await openTunnel(t.proxy, host, port, { timeoutMs: options.timeoutMs });
      connectThroughTunnel(client, () => tunnel);
    }
    client.onerror = () => undefined;
    const connecting = client.connect();
    connecting.catch(() => undefined);
    client.socket?.on('error', (e: NodeJS.ErrnoException) => (socketError ??= e));
    await Promise.race([connecting, timeout]);
    step = 'opening a channel';
    const ch: AMQPChannel = await Promise.race([client.channel(), timeout]);
    ch.onerror = () => undefined;
    step = 'declaring the queue (passive)';
    const ok = await Promise.race([
      ch.queueDeclare(t.queue, { passive: true, durable: true, autoDelete: false, exclusive: false }),
      timeout,
    ]);
    let oldest: QueueLook['oldest'];
    if (options.peek && ok.messageCount > 0) {
      step = 'peeking at the head message (basic.get, then reject with requeue)';
      const msg = await Promise.race([ch.basicGet(t.queue, { noAck: false }), timeout]);
      if (msg !== null) {
        oldest = { eventTime: eventTimeOf(msg.bodyString() ?? ''), redelivered: msg.redelivered };
        await msg.reject(true);
      }
    }
    return {
      messageCount: ok.messageCount,
      consumerCount: ok.consumerCount,
      ...(oldest === undefined ? {} : { oldest }),
    };
  } catch (e) {
    throw e instanceof AmpError ? e : classifyAmqpError(e, ctx());
  } finally {
    clearTimeout(timer);
    await Promise.race([client.close('ampstream doctor done').catch(() => undefined), delay(1000)]);
    client.socket?.destroy();
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** The event's time in ms: `timestamp` (seconds) or `date` (ISO 8601); undefined when neither parses. */
export function eventTimeOf(body: string): number | undefined {
  try {
    const e = JSON.parse(body) as { timestamp?: unknown; date?: unknown };
    if (typeof e.timestamp === 'number' && e.timestamp > 0) return e.timestamp * 1000;
    if (typeof e.date === 'string') {
      const t = Date.parse(e.date);
      return Number.isNaN(t) ? undefined : t;
    }
  } catch {
    // not JSON: the pipeline dead-letters it; its age is unknown here
  }
  return undefined;
}
