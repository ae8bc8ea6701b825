import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { lookup } from 'node:dns/promises';
import { AmpError } from '../../errors.js';
import { errorCode } from '../shared/tls.js';

/**
 * Syslog over UDP (RFC 5426): one message per datagram, no framing. Fire and forget — a
 * datagram the kernel sent may still be lost on the way, and nothing tells us, so UDP
 * cannot give at-least-once delivery (documented; use tcp or tls for that).
 */
export class SyslogUdp {
  readonly #sinkName: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;

  constructor(o: { sinkName: string; host: string; port: number; timeoutMs: number }) {
    this.#sinkName = o.sinkName;
    this.#host = o.host;
    this.#port = o.port;
    this.#timeoutMs = o.timeoutMs;
  }

  async connect(): Promise<void> {
    if (this.#socket !== undefined) return;
    try {
      const { address, family } = await lookup(this.#host);
      const socket = createSocket(family === 6 || isIPv6(address) ? 'udp6' : 'udp4');
      socket.on('error', () => this.#drop());
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(this.#port, address, () => {
          socket.removeListener('error', reject);
          resolve();
        });
      });
      this.#socket = socket;
    } catch (e) {
      throw this.#error('cannot resolve or connect', e);
    }
  }

  async sendAll(messages: readonly Buffer[]): Promise<void> {
    await this.connect();
    const socket = this.#socket;
    if (socket === undefined) throw this.#error('socket is closed');
    const timer = AbortSignal.timeout(this.#timeoutMs);
    for (const m of messages) {
      if (timer.aborted)
        throw new AmpError('SINK_TIMEOUT', `sink "${this.#sinkName}": udp send timed out`, {
          retryable: true,
        });
      await new Promise<void>((resolve, reject) =>
        socket.send(m, (e) => {
          if (e === null || e === undefined) resolve();
          else reject(e instanceof Error ? e : new Error(String(e)));
        }),
      ).catch((e: unknown) => {
        this.#drop();
        throw this.#error('send failed', e);
      });
    }
  }

  close(): void {
    this.#drop();
  }

  #drop(): void {
    const s = this.#socket;
    this.#socket = undefined;
    s?.close();
  }

  #error(what: string, cause?: unknown): AmpError {
    const code = errorCode(cause);
    // a datagram larger than the path allows will never fit: refuse it rather than loop
    const tooBig = code === 'EMSGSIZE';
    return new AmpError(
      tooBig ? 'SINK_REJECTED' : 'SINK_UNAVAILABLE',
      `sink "${this.#sinkName}": syslog udp ${what}${code === undefined ? '' : ` (${code})`}`,
      {
        retryable: !tooBig,
        ...(cause === undefined ? {} : { cause }),
        details: {
          sink: this.#sinkName,
          host: this.#host,
          port: this.#port,
          ...(code === undefined ? {} : { errorCode: code }),
        },
        hint: tooBig
          ? 'the message is larger than a UDP datagram can carry: use transport tcp or tls'
          : 'check the receiver address',
      },
    );
  }
}
