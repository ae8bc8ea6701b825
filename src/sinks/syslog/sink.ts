import { AmpError } from '../../errors.js';
import { closedError, notStarted, type SinkState as State } from '../shared/lifecycle.js';
import { loadTls } from '../shared/tls.js';
import type { Sink, SinkContext, SinkRecord } from '../types.js';
import { defaultPort, type SyslogSinkOptions } from './config.js';
import { recordToMessage } from './message.js';
import { frame } from './rfc5424.js';
import { SyslogStream } from './stream.js';
import { SyslogUdp } from './udp.js';

/**
 * RFC 5424 messages over TCP or TLS (octet-counted frames, one write per batch, durable per
 * docs/architecture.md once the socket stays open after the write) or UDP (best effort only).
 * `start()` connects; if the receiver is down it fails retryably, and every later `write()`
 * connects again by itself.
 */
export class SyslogSink implements Sink {
  readonly name: string;
  readonly #o: SyslogSinkOptions;
  readonly #context: SinkContext;
  #state: State = 'new';
  #stream: SyslogStream | undefined;
  #udp: SyslogUdp | undefined;

  constructor(options: SyslogSinkOptions, context: SinkContext) {
    this.name = context.name;
    this.#o = options;
    this.#context = context;
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw closedError(this.name);
    const o = this.#o;
    if (this.#stream === undefined && this.#udp === undefined) {
      const port = defaultPort(o);
      if (o.transport === 'udp') {
        this.#context.logger.warn(
          `sink "${this.name}": syslog over UDP is best effort: lost datagrams cannot be detected or retried`,
        );
        this.#udp = new SyslogUdp({ sinkName: this.name, host: o.host, port, timeoutMs: o.writeTimeoutMs });
      } else {
        if (o.transport === 'tcp' && o.tls !== undefined) {
          throw new AmpError(
            'CONFIG_INVALID',
            `sink "${this.name}": tls settings given but transport is tcp`,
            { hint: 'use transport: tls' },
          );
        }
        const tls = o.transport === 'tls' ? await loadTls(o.tls, this.name, this.#context.logger) : undefined;
        this.#stream = new SyslogStream({
          sinkName: this.name,
          host: o.host,
          port,
          tls,
          connectTimeoutMs: o.connectTimeoutMs,
          writeTimeoutMs: o.writeTimeoutMs,
          confirmMs: o.confirmMs,
        });
      }
      this.#state = 'started';
    }
    if (this.#stream !== undefined) await this.#stream.connect();
    else await this.#udp?.connect();
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    if (this.#state !== 'started')
      throw this.#state === 'closed' ? closedError(this.name) : notStarted(this.name);
    if (batch.length === 0) return;
    const messages = batch.map((r) => recordToMessage(r, this.#o));
    if (this.#udp !== undefined) return this.#udp.sendAll(messages);
    const framing = this.#o.framing;
    await this.#stream?.send(Buffer.concat(messages.map((m) => frame(m, framing))));
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stream?.close();
    this.#udp?.close();
  }
}
