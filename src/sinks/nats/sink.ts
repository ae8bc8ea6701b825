import { eventKey } from '../../event/key.js';
import { jetstream, jetstreamManager, type JetStreamClient, type StreamConfig } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { AmpError } from '../../errors.js';
import { sleep } from '../../util/retry.js';
import { closedError, notStarted, type SinkState as State } from '../shared/lifecycle.js';
import { loadTls, pemStrings, type LoadedTls } from '../shared/tls.js';
import type { Sink, SinkContext, SinkRecord } from '../types.js';
import { classifyNatsError } from './classify.js';
import type { NatsSinkOptions } from './config.js';
import { renderSubject, subjectFilter, unknownPlaceholders } from './subject.js';

/** (default=5_000) longest close() waits for pending publishes to flush, in ms */
const CLOSE_DRAIN_MS = 5_000;
/** (default=1_000) pause between the client's own reconnect attempts, in ms */
const RECONNECT_WAIT_MS = 1_000;

/**
 * JetStream publish, one message per event, `msgID` = the event id so the stream's duplicate
 * window drops redeliveries. A write publishes its batch concurrently (at most `maxInflight`
 * awaiting acks) and resolves when every PubAck arrived; `duplicate: true` counts as stored.
 * The client reconnects by itself while the process lives; if the connection is closed for
 * good, the next write opens a new one. With `createStream`, the stream is created or updated
 * at start (or before the first write, when start could not reach the server).
 */
export class NatsSink implements Sink {
  readonly name: string;
  readonly #o: NatsSinkOptions;
  readonly #context: SinkContext;
  #state: State = 'new';
  #auth: Pick<NodeConnectionOptions, 'user' | 'pass' | 'token'> = {};
  #tls: LoadedTls | undefined;
  #nc: NatsConnection | undefined;
  /** false between the client's 'disconnect' and 'reconnect' notifications */
  #online = false;
  #js: JetStreamClient | undefined;
  #streamReady: boolean;

  constructor(options: NatsSinkOptions, context: SinkContext) {
    this.name = context.name;
    this.#o = options;
    this.#context = context;
    this.#streamReady = options.createStream === undefined;
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw closedError(this.name);
    if (this.#state === 'new') {
      const o = this.#o;
      const unknown = unknownPlaceholders(o.subject);
      if (unknown.length > 0) {
        throw new AmpError(
          'CONFIG_INVALID',
          `sink "${this.name}": unknown subject placeholder {${unknown.join('}, {')}}`,
          {
            hint: 'use {event_type_id}, {event_type}, {severity}, {hostname} or {connector_guid}',
          },
        );
      }
      this.#auth = {
        ...(o.user === undefined ? {} : { user: o.user }),
        ...(o.password === undefined ? {} : { pass: await this.#context.resolveSecret(o.password) }),
        ...(o.token === undefined ? {} : { token: await this.#context.resolveSecret(o.token) }),
      };
      this.#tls = o.tls === undefined ? undefined : await loadTls(o.tls, this.name, this.#context.logger);
      this.#state = 'started';
    }
    await this.#ready();
  }

  /** Connected, and the stream exists when we were asked to create it. */
  async #ready(): Promise<JetStreamClient> {
    const js = await this.#connection();
    if (!this.#streamReady && this.#nc !== undefined) {
      await this.#ensureStream(this.#nc);
      this.#streamReady = true;
    }
    return js;
  }

  async #connection(): Promise<JetStreamClient> {
    if (this.#nc !== undefined && !this.#nc.isClosed() && this.#js !== undefined) return this.#js;
    this.#nc = undefined;
    const o = this.#o;
    const tls = this.#tls;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: o.servers,
        name: o.connectionName,
        timeout: o.connectTimeoutMs,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        waitOnFirstConnect: false,
        ...this.#auth,
        ...(tls === undefined
          ? {}
          : {
              tls: {
                ...pemStrings(tls),
                // passed through to node:tls by the transport
                ...({ rejectUnauthorized: tls.rejectUnauthorized } as object),
              },
            }),
      });
    } catch (e) {
      throw classifyNatsError(e, this.name, 'connect');
    }
    this.#nc = nc;
    this.#online = true;
    this.#js = jetstream(nc, { timeout: o.publishTimeoutMs });
    void this.#watch(nc);
    void nc.closed().then((err) => {
      if (err)
        this.#context.logger.warn(
          { err: classifyNatsError(err, this.name, 'connection').toJSON() },
          'nats connection closed',
        );
    });
    return this.#js;
  }

  /**
   * Follows the client's own reconnects. While it is reconnecting, a publish would only sit in
   * the client's outbound buffer (growing with every retried batch), so writes fail fast instead.
   */
  async #watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.#nc !== nc) return;
      if (s.type === 'disconnect') this.#online = false;
      else if (s.type === 'reconnect') this.#online = true;
    }
  }

  async #ensureStream(nc: NatsConnection): Promise<void> {
    const s = this.#o.createStream;
    if (s === undefined) return;
    const config: Partial<StreamConfig> & { name: string } = {
      name: s.name,
      subjects: s.subjects ?? [subjectFilter(this.#o.subject)],
      storage: s.storage,
      num_replicas: s.replicas,
      max_age: s.maxAgeMs * 1_000_000, // nanoseconds
      max_bytes: s.maxBytes,
      duplicate_window: s.duplicateWindowMs * 1_000_000,
    };
    try {
      const jsm = await jetstreamManager(nc, { timeout: this.#o.publishTimeoutMs });
      const exists = await jsm.streams.info(s.name).then(
        () => true,
        () => false,
      );
      if (exists) {
        const { storage: _storage, ...mutable } = config; // storage cannot change after creation
        await jsm.streams.update(s.name, mutable);
      } else {
        await jsm.streams.add(config);
      }
      this.#context.logger.info({ stream: s.name, created: !exists }, 'nats stream ready');
    } catch (e) {
      throw classifyNatsError(e, this.name, `create stream ${s.name}`);
    }
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    if (this.#state !== 'started')
      throw this.#state === 'closed' ? closedError(this.name) : notStarted(this.name);
    if (batch.length === 0) return;
    const js = await this.#ready();
    if (!this.#online) {
      throw new AmpError(
        'SINK_UNAVAILABLE',
        `sink "${this.name}": the NATS connection is down; the client is reconnecting`,
        {
          retryable: true,
          details: { sink: this.name },
          hint: 'check that the NATS server is up; the batch is retried',
        },
      );
    }
    const template = this.#o.subject;
    const timeout = this.#o.publishTimeoutMs;
    let next = 0;
    let failure: unknown;
    // a small worker pool: at most maxInflight publishes wait for their PubAck at once
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < batch.length) {
        const r = batch[next++]!;
        const data =
          typeof r.payload === 'string'
            ? r.payload
            : new Uint8Array(r.payload.buffer, r.payload.byteOffset, r.payload.length);
        try {
          await js.publish(renderSubject(template, r.event.event), data, {
            msgID: eventKey(r.event),
            timeout,
          });
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.maxInflight, batch.length) }, worker));
    if (failure !== undefined)
      throw classifyNatsError(failure, this.name, `publish of ${batch.length} events`);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const nc = this.#nc;
    this.#nc = undefined;
    this.#js = undefined;
    if (nc === undefined || nc.isClosed()) return;
    // drain flushes what is pending; it cannot finish while the server is unreachable. The
    // timer is cancelled once drain settles, or it would hold the process for CLOSE_DRAIN_MS.
    const giveUp = new AbortController();
    const drained = await Promise.race([
      nc.drain().then(
        () => true,
        () => false,
      ),
      sleep(CLOSE_DRAIN_MS, giveUp.signal).then(() => false),
    ]);
    giveUp.abort();
    if (!drained && !nc.isClosed()) await nc.close();
  }
}
