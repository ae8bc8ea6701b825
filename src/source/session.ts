import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { AMQPClient, type AMQPChannel, type AMQPConsumer, type AMQPMessage } from '@cloudamqp/amqp-client';
import type { AMQPTlsOptions } from '@cloudamqp/amqp-client/amqp-tls-options';
import { AmpError } from '../errors.js';
import type { ProxySettings } from '../proxy/settings.js';
import { openTunnel } from '../proxy/tunnel.js';
import { classifyAmqpError } from './classify.js';
import { connectThroughTunnel, deliverSynchronously } from './amqp-client-internals.js';
import { amqpEndpoint } from './endpoint.js';

/**
 * One AMQP session: connection + consumer channel + consumer, on one queue. It lives until the
 * connection, the channel or the consumer dies (then `lost` resolves with why) or until
 * `close()`. The supervisor (`amqp-source.ts`) opens a new session per (re)connect; each
 * session is one `generation`, and its delivery tags mean nothing to any other session.
 */

/** Largest AMQP frame we accept, in bytes: RabbitMQ's default frame_max (128 KiB), so one
 * ~1.5 KB event always fits in a single body frame (no reassembly copy). */
const FRAME_MAX_BYTES = 131_072;
/** How long a polite close may take before the socket is destroyed, in ms. */
const CLOSE_TIMEOUT_MS = 2_000;

export interface SessionSettings {
  readonly url: string;
  readonly queue: string;
  readonly ca: string | Buffer | undefined;
  readonly insecure: boolean;
  readonly servername: string | undefined;
  readonly prefetch: number;
  readonly heartbeatSeconds: number;
  readonly connectTimeoutMs: number;
  readonly connectionName: string;
  /** an HTTP proxy to tunnel through (CONNECT), fresh for every session; undefined: direct */
  readonly proxy: ProxySettings | undefined;
}

export interface QueueInfo {
  readonly messageCount: number;
  readonly consumerCount: number;
}

export class Session {
  readonly generation: number;
  readonly host: string;
  /** Resolves once, with the reason the session ended (for a close we asked for too). */
  readonly lost: Promise<AmpError>;
  #resolveLost!: (e: AmpError) => void;
  #ended = false;
  readonly #s: SessionSettings;
  readonly #client: AMQPClient;
  #channel: AMQPChannel | undefined;
  #consumer: AMQPConsumer | undefined;
  #socketError: NodeJS.ErrnoException | undefined;
  readonly #target: { host: string; port: number };
  /** the CONNECT tunnel of this session, until the client takes it */
  #tunnel: Socket | undefined;
  declared: QueueInfo = { messageCount: 0, consumerCount: 0 };

  private constructor(settings: SessionSettings, generation: number) {
    this.#s = settings;
    this.generation = generation;
    this.lost = new Promise((resolve) => (this.#resolveLost = resolve));
    const u = new URL(settings.url);
    const { host, port } = amqpEndpoint(u);
    this.host = `${u.hostname}:${port}`;
    this.#target = { host, port };
    u.searchParams.set('heartbeat', String(settings.heartbeatSeconds));
    u.searchParams.set('frameMax', String(FRAME_MAX_BYTES));
    u.searchParams.set('name', settings.connectionName);
    this.#client = new AMQPClient(u.toString(), u.protocol === 'amqps:' ? tlsOptions(settings) : undefined);
    if (settings.proxy !== undefined) {
      if (u.protocol !== 'amqps:') {
        throw new AmpError('CONFIG_INVALID', `${this.host}: a proxy is only supported for amqps://`, {
          hint: 'use amqps (Cisco streams always are), or no proxy (NO_PROXY=<host>)',
        });
      }
      connectThroughTunnel(this.#client, () => {
        const t = this.#tunnel;
        this.#tunnel = undefined;
        if (t === undefined) throw new AmpError('INTERNAL', 'no proxy tunnel to connect through');
        return t;
      });
    }
  }

  /**
   * connect → channel → passive durable declare → qos → consume. Rejects with a classified
   * AmpError (fatal ones: ACCESS_REFUSED, NOT_FOUND, TLS verification).
   */
  static async open(
    settings: SessionSettings,
    generation: number,
    onMessage: (msg: AMQPMessage) => void,
  ): Promise<Session> {
    const s = new Session(settings, generation);
    let step = 'connecting';
    try {
      await s.#connect();
      step = 'opening a channel';
      const ch = await s.#client.channel();
      s.#channel = ch;
      ch.onerror = (reason) => s.#end(s.#classify(new Error(reason), 'channel closed by the broker'));
      step = 'declaring the queue (passive)';
      const ok = await ch.queueDeclare(settings.queue, {
        passive: true,
        durable: true,
        autoDelete: false,
        exclusive: false,
      });
      s.declared = { messageCount: ok.messageCount, consumerCount: ok.consumerCount };
      step = 'setting prefetch';
      await ch.basicQos(settings.prefetch);
      step = 'starting the consumer';
      deliverSynchronously(ch, onMessage);
      const consumer = await ch.basicConsume(
        settings.queue,
        { noAck: false, tag: `ampstream-${generation}` },
        onMessage,
      );
      s.#consumer = consumer;
      consumer.wait().then(
        () => undefined,
        (e: unknown) => s.#end(s.#consumerGone(e)),
      );
      return s;
    } catch (e) {
      s.#destroy();
      throw s.#classify(e, step);
    }
  }

  async #connect(): Promise<void> {
    const client = this.#client;
    const deadline = Date.now() + this.#s.connectTimeoutMs;
    const proxy = this.#s.proxy;
    if (proxy !== undefined) {
      // a fresh tunnel per session, inside the same connect budget as the AMQP handshake
      this.#tunnel = await openTunnel(proxy, this.#target.host, this.#target.port, {
        timeoutMs: this.#s.connectTimeoutMs,
      });
    }
    client.ondisconnect = (e) =>
      this.#end(this.#classify(e ?? new Error('connection closed'), 'connection lost'));
    client.onerror = () => undefined; // reported through ondisconnect / channel errors
    const connecting = client.connect();
    connecting.catch(() => undefined); // if the timeout wins, a later rejection must not go unhandled
    client.socket?.on('error', (e: NodeJS.ErrnoException) => (this.#socketError ??= e));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no AMQP handshake within ${this.#s.connectTimeoutMs} ms`)),
        Math.max(1, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([connecting, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Passive declare on a short-lived second channel, so a 404 never kills the consumer channel. */
  async probe(): Promise<QueueInfo> {
    let ch: AMQPChannel | undefined;
    try {
      ch = await this.#client.channel();
      ch.onerror = () => undefined;
      const ok = await ch.queueDeclare(this.#s.queue, {
        passive: true,
        durable: true,
        autoDelete: false,
        exclusive: false,
      });
      return { messageCount: ok.messageCount, consumerCount: ok.consumerCount };
    } catch (e) {
      throw this.#classify(e, 'probing the queue (passive declare)');
    } finally {
      if (ch !== undefined && !ch.closed) await ch.close().catch(() => undefined);
    }
  }

  /** basic.ack multiple=true up to `tag`. A dead channel drops it: the broker redelivers. */
  ack(tag: number): void {
    const ch = this.#channel;
    if (ch !== undefined && !ch.closed) ch.basicAck(tag, true).catch(() => undefined);
  }

  /** basic.nack(0, multiple, requeue): every unacked delivery goes back to the queue. */
  requeueAll(): void {
    const ch = this.#channel;
    if (ch !== undefined && !ch.closed) ch.basicNack(0, true, true).catch(() => undefined);
  }

  /** basic.cancel: nothing more is delivered; unacked deliveries can still be settled. */
  async cancel(): Promise<void> {
    const c = this.#consumer;
    if (c === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      c.cancel().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Close politely (the broker requeues anything unacked), destroy the socket after a timeout. */
  async close(reason: AmpError): Promise<void> {
    this.#end(reason);
    if (!this.#client.closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#client.close('ampstream closing').catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    this.#destroy();
  }

  get connected(): boolean {
    return !this.#ended;
  }

  #end(reason: AmpError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#resolveLost(reason);
  }

  #destroy(): void {
    this.#client.socket?.destroy();
    this.#tunnel?.destroy();
    this.#tunnel = undefined;
  }

  #consumerGone(e: unknown): AmpError {
    // The consumer ended with an error while its channel is still open: that is a basic.cancel
    // from the broker (queue deleted, node failover…). Reconnecting finds out which.
    if (this.#channel !== undefined && !this.#channel.closed) {
      return new AmpError('AMQP_CONSUMER_CANCELLED', 'the broker cancelled our consumer', {
        retryable: true,
        cause: e,
      });
    }
    return this.#classify(e, 'consumer closed');
  }

  #classify(e: unknown, step: string): AmpError {
    return classifyAmqpError(e, {
      queue: this.#s.queue,
      host: this.host,
      socketError: this.#socketError,
      step,
    });
  }
}

function tlsOptions(s: SessionSettings): AMQPTlsOptions {
  // `ca` *adds* to the public roots (tls `ca` alone would replace them).
  const options: AMQPTlsOptions & { rejectUnauthorized: boolean; servername?: string } = {
    rejectUnauthorized: !s.insecure,
  };
  if (s.ca !== undefined)
    options.ca = [...rootCertificates, typeof s.ca === 'string' ? s.ca : s.ca.toString('utf8')];
  if (s.servername !== undefined) options.servername = s.servername;
  return options;
}
