import type { AMQPMessage } from '@cloudamqp/amqp-client';
import type { Logger } from 'pino';
import { AmpError } from '../errors.js';
import { resolveProxy } from '../proxy/settings.js';
import { silentLogger } from '../telemetry/logger.js';
import { RetryPolicy } from '../util/retry.js';
import { amqpEndpoint } from './endpoint.js';
import { Session, type SessionSettings } from './session.js';
import { SourceProbe } from './probe.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PREFETCH,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_WATCHDOG_MS,
  type Delivery,
  type DeliveryHandler,
  type Source,
  type SourceEvent,
  type SourceOptions,
  type SourceOutcome,
  type SourceState,
  type SourceStatus,
} from './types.js';

/** A delivery as the pipeline sees it: a plain object of fixed shape (monomorphic hot path). */
class AmqpDelivery implements Delivery {
  constructor(
    readonly body: Buffer,
    readonly tag: number,
    readonly generation: number,
    readonly redelivered: boolean,
    readonly routingKey: string,
    readonly exchange: string,
  ) {}
}

/**
 * The supervised AMQP consumer (docs/architecture.md, Reconnect): reconnects forever with capped
 * full-jitter backoff on network errors, heartbeat timeouts, broker restarts, forced closes
 * and consumer cancellation; stops for good, with no retry loop, on ACCESS_REFUSED, queue
 * NOT_FOUND (the stream was deleted) and TLS verification failures.
 *
 * Settlement: delivery tags are per channel, so each session is a `generation`; acks for an
 * older generation are dropped (the broker already requeued those deliveries and sends them
 * again, flagged redelivered). Never ack a stale tag: that would close the new channel (406).
 */
export class AmqpSource implements Source {
  readonly #o: SessionSettings;
  readonly #peek: boolean;
  readonly #log: Logger;
  readonly #reconnect: RetryPolicy;
  readonly #startAttempts: number;
  readonly #listeners = new Set<(e: SourceEvent) => void>();
  readonly #abort = new AbortController();
  readonly #probe: SourceProbe;
  #handler: DeliveryHandler | undefined;
  #state: SourceState = 'idle';
  #session: Session | undefined;
  #generation = 0;
  #reconnects = 0;
  #lastError: AmpError | undefined;
  #everConnected = false;
  #cancelled = false;
  /** Highest delivery tag received / acked in the current generation. */
  #lastTag = 0;
  #ackedTag = 0;
  #peekFullSignalled = false;
  readonly done: Promise<SourceOutcome>;
  #resolveDone!: (o: SourceOutcome) => void;
  #firstUp: { resolve: () => void; reject: (e: AmpError) => void } | undefined;

  constructor(options: SourceOptions) {
    const target = new URL(options.url);
    const endpoint = amqpEndpoint(target);
    // the environment's proxy applies to amqps only (a plain amqp:// broker is a local one)
    const proxy =
      target.protocol !== 'amqps:' && options.proxy === undefined
        ? undefined
        : resolveProxy({
            configured: options.proxy,
            origin: 'the stream proxy setting',
            host: endpoint.host,
            port: endpoint.port,
            ...(options.env === undefined ? {} : { env: options.env }),
          });
    this.#o = {
      url: options.url,
      queue: options.queue,
      ca: options.ca,
      insecure: options.insecure ?? false,
      servername: options.servername,
      prefetch: options.prefetch ?? DEFAULT_PREFETCH,
      heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      connectionName: options.connectionName ?? 'ampstream',
      proxy,
    };
    this.#peek = options.mode === 'peek';
    this.#log = (options.logger ?? silentLogger).child({ component: 'source', queue: options.queue });
    this.#reconnect = new RetryPolicy(options.reconnect);
    this.#startAttempts = options.startAttempts ?? Number.POSITIVE_INFINITY;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#probe = new SourceProbe({
      queue: options.queue,
      prefetch: this.#o.prefetch,
      peek: this.#peek,
      probeIntervalMs: options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS,
      watchdogMs: options.watchdogMs ?? DEFAULT_WATCHDOG_MS,
      logger: this.#log,
      metrics:
        options.metrics === undefined
          ? undefined
          : { metrics: options.metrics, label: options.metricsLabel ?? options.queue },
      session: () => (this.#state === 'consuming' ? this.#session : undefined),
      unacked: () => this.#lastTag - this.#ackedTag,
      emit: (e) => this.#emit(e),
      fatal: (e) => void this.#fail(e),
      restart: (e) => void this.#session?.close(e),
    });
  }

  get status(): SourceStatus {
    return {
      state: this.#state,
      connected:
        this.#state === 'consuming' || (this.#state === 'cancelled' && this.#session?.connected === true),
      generation: this.#generation,
      reconnects: this.#reconnects,
      messageCount: this.#probe.messageCount,
      consumerCount: this.#probe.consumerCount,
      lastError: this.#lastError,
    };
  }

  start(handler: DeliveryHandler): Promise<void> {
    if (this.#state !== 'idle') return Promise.reject(new AmpError('INTERNAL', 'source already started'));
    this.#handler = handler;
    if (this.#o.insecure) {
      this.#log.warn(
        'TLS certificate verification is DISABLED (insecure: true): anyone on the path can read and alter the events',
      );
    }
    if (this.#o.proxy !== undefined)
      this.#log.info({ proxy: this.#o.proxy.display }, 'AMQPS through an HTTP proxy (CONNECT tunnel)');
    return new Promise((resolve, reject) => {
      this.#firstUp = { resolve, reject };
      void this.#run();
    });
  }

  ack(generation: number, tag: number): void {
    if (this.#peek || generation !== this.#generation || tag <= this.#ackedTag) return;
    this.#ackedTag = tag;
    this.#session?.ack(tag);
  }

  requeueAll(generation: number): void {
    if (generation !== this.#generation || this.#session === undefined) return;
    this.#ackedTag = this.#lastTag;
    this.#session.requeueAll();
  }

  async cancel(): Promise<void> {
    if (this.#cancelled || this.#state === 'closed' || this.#state === 'failed') return;
    this.#cancelled = true;
    this.#probe.stop();
    if (this.#state === 'consuming') this.#state = 'cancelled';
    await this.#session?.cancel();
  }

  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'closed';
    this.#abort.abort();
    this.#probe.stop();
    await this.#session?.close(new AmpError('AMQP_CONNECTION', 'closed by ampstream', { retryable: false }));
    this.#firstUp?.reject(new AmpError('AMQP_CONNECTION', 'the source was closed before it connected'));
    this.#firstUp = undefined;
    this.#emit({ type: 'closed' });
    this.#resolveDone({ kind: 'closed' });
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped()) {
      const generation = ++this.#generation;
      const { error, connected } = await this.#runSession(generation);
      if (this.#stopped()) return;
      if (connected) attempt = 0;
      this.#lastError = error;
      if (!this.#reconnect.retryable(error)) return this.#fail(error);
      if (!this.#everConnected && generation >= this.#startAttempts) {
        return this.#fail(
          new AmpError(
            'BROKER_UNREACHABLE',
            `cannot reach the broker after ${generation} attempt(s): ${error.message}`,
            {
              cause: error,
              hint: error.hint ?? 'check the AMQP URL and that the broker is running',
            },
          ),
        );
      }
      if (this.#cancelled) return; // draining: do not reconnect, the pipeline is closing us
      const delayMs = this.#reconnect.delay(attempt++);
      this.#emit({ type: 'reconnect-scheduled', attempt, delayMs, error });
      this.#log.warn(
        { err: error.toJSON(), attempt, delayMs },
        'AMQP connection lost or failed; reconnecting',
      );
      await this.#reconnect.wait(delayMs, this.#abort.signal);
    }
  }

  /** One session from connect to loss; returns why it ended. */
  async #runSession(generation: number): Promise<{ error: AmpError; connected: boolean }> {
    this.#state = this.#everConnected ? 'reconnecting' : 'connecting';
    let session: Session;
    try {
      session = await Session.open(this.#o, generation, this.#onMessageFor(generation));
    } catch (e) {
      return { error: e as AmpError, connected: false };
    }
    if (this.#stopped()) {
      const error = new AmpError('AMQP_CONNECTION', 'closed by ampstream');
      await session.close(error);
      return { error, connected: false };
    }
    this.#session = session;
    this.#lastTag = 0;
    this.#ackedTag = 0;
    this.#peekFullSignalled = false;
    this.#state = 'consuming';
    if (this.#everConnected) this.#reconnects++;
    this.#probe.connected(session.declared, this.#everConnected);
    this.#everConnected = true;
    this.#emit({ type: 'connected', generation, ...session.declared });
    this.#log.info({ generation, host: session.host, ...session.declared }, 'consuming');
    this.#firstUp?.resolve();
    this.#firstUp = undefined;
    const error = await session.lost;
    this.#probe.disconnected();
    if (this.#stopped()) return { error, connected: true };
    await session.close(error);
    this.#handler?.onChannelLost?.(generation);
    this.#emit({ type: 'disconnected', generation, error });
    return { error, connected: true };
  }

  #onMessageFor(generation: number): (msg: AMQPMessage) => void {
    return (msg) => {
      const body = msg.body as Uint8Array;
      const tag = msg.deliveryTag;
      this.#lastTag = tag;
      this.#probe.delivered++;
      const d = new AmqpDelivery(
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        tag,
        generation,
        msg.redelivered,
        msg.routingKey,
        msg.exchange,
      );
      try {
        (this.#handler as DeliveryHandler).onDelivery(d);
      } catch (e) {
        // This runs inside the AMQP client's frame parser: a throw would corrupt the connection.
        this.#log.error({ err: (e as Error).message }, 'delivery handler threw; the delivery stays unacked');
      }
      if (this.#peek && tag >= this.#o.prefetch && !this.#peekFullSignalled) {
        this.#peekFullSignalled = true;
        this.#emit({ type: 'peek-window-full', prefetch: this.#o.prefetch });
      }
    };
  }

  async #fail(error: AmpError): Promise<void> {
    if (this.#stopped()) return;
    this.#state = 'failed';
    this.#lastError = error;
    this.#abort.abort();
    this.#probe.stop();
    this.#log.error({ err: error.toJSON() }, 'AMQP source stopped');
    const s = this.#session;
    if (s !== undefined) {
      this.#handler?.onChannelLost?.(s.generation);
      await s.close(error);
    }
    this.#emit({ type: 'fatal', error });
    this.#firstUp?.reject(error);
    this.#firstUp = undefined;
    this.#resolveDone({ kind: 'fatal', error });
  }

  #stopped(): boolean {
    return this.#state === 'closed' || this.#state === 'failed';
  }

  #emit(e: SourceEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'source event listener threw');
      }
    }
  }
}
