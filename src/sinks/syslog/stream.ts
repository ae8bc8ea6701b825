import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AmpError } from '../../errors.js';
import { errorCode, isTlsCertificateError, TLS_CERT_HINT, type LoadedTls } from '../shared/tls.js';

/**
 * One TCP or TLS connection to a syslog receiver, and the durability rule of docs/architecture.md
 * (Delivery contract): a batch is delivered when its bytes were written to a socket that is then
 * still open. `send` writes the whole batch, waits for the write callback (the kernel took every
 * byte), then waits `confirmMs` more: a peer that died meanwhile shows up as an error or a close,
 * and the batch is failed (retryable) so the pipeline sends it again on a new connection. After any
 * failure the socket is dropped; the next `send` connects afresh.
 */

export interface StreamOptions {
  readonly sinkName: string;
  readonly host: string;
  readonly port: number;
  /** undefined = plain TCP */
  readonly tls: LoadedTls | undefined;
  readonly connectTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly confirmMs: number;
}

interface Live {
  readonly socket: Socket;
  /** Set once the socket errored or closed: the reason the connection is gone. */
  failure: unknown;
  closed: boolean;
  readonly onGone: Set<() => void>;
}

export class SyslogStream {
  readonly #o: StreamOptions;
  #live: Live | undefined;

  constructor(options: StreamOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#live !== undefined && !this.#live.closed;
  }

  /** Connects now (start()); a failure is retryable. */
  async connect(): Promise<void> {
    await this.#ensure();
  }

  async send(bytes: Buffer): Promise<void> {
    const live = await this.#ensure();
    await this.#write(live, bytes);
    if (this.#o.confirmMs > 0) await this.#confirm(live);
  }

  close(): void {
    const live = this.#live;
    this.#live = undefined;
    if (live !== undefined) live.socket.end(() => live.socket.destroy());
  }

  async #ensure(): Promise<Live> {
    if (this.#live !== undefined && !this.#live.closed) return this.#live;
    this.#live = undefined;
    const live = await this.#open();
    this.#live = live;
    return live;
  }

  #open(): Promise<Live> {
    const o = this.#o;
    return new Promise<Live>((resolve, reject) => {
      const socket =
        o.tls === undefined ? netConnect({ host: o.host, port: o.port }) : tlsConnect(tlsOptions(o, o.tls));
      const ready = o.tls === undefined ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          this.#error(
            'SINK_TIMEOUT',
            `connecting to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms`,
          ),
        );
      }, o.connectTimeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        socket.destroy();
        reject(this.#error('SINK_UNAVAILABLE', `cannot connect to ${o.host}:${o.port}`, e));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(this.#track(socket));
      });
    });
  }

  /** Watches a connected socket: any error, end or close marks it gone (and wakes waiters). */
  #track(socket: Socket): Live {
    const live: Live = { socket, failure: undefined, closed: false, onGone: new Set() };
    const gone = (e?: unknown): void => {
      if (live.closed) return;
      live.closed = true;
      live.failure = e ?? new Error('connection closed by the receiver');
      socket.destroy();
      for (const f of live.onGone) f();
    };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('error', gone);
    socket.on('end', () => gone());
    socket.on('close', () => gone());
    // syslog receivers do not talk back; reading keeps 'end' (a FIN from the peer) visible
    socket.on('data', () => undefined);
    return live;
  }

  #write(live: Live, bytes: Buffer): Promise<void> {
    const o = this.#o;
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: AmpError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        live.onGone.delete(onGone);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onGone = (): void =>
        finish(this.#error('SINK_UNAVAILABLE', 'connection lost while writing', live.failure));
      const timer = setTimeout(() => {
        finish(this.#error('SINK_TIMEOUT', `receiver did not take the batch within ${o.writeTimeoutMs} ms`));
        live.socket.destroy();
      }, o.writeTimeoutMs);
      if (live.closed) return onGone();
      live.onGone.add(onGone);
      live.socket.write(bytes, (e) => {
        if (e !== undefined && e !== null) finish(this.#error('SINK_UNAVAILABLE', 'write failed', e));
        else if (live.closed) onGone();
        else finish();
      });
    });
  }

  #confirm(live: Live): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onGone = (): void => {
        clearTimeout(timer);
        reject(this.#error('SINK_UNAVAILABLE', 'connection lost right after writing', live.failure));
      };
      if (live.closed) return onGone();
      const timer = setTimeout(() => {
        live.onGone.delete(onGone);
        resolve();
      }, this.#o.confirmMs);
      live.onGone.add(onGone);
    });
  }

  #error(code: 'SINK_UNAVAILABLE' | 'SINK_TIMEOUT', what: string, cause?: unknown): AmpError {
    const o = this.#o;
    const errCode = errorCode(cause);
    return new AmpError(
      code,
      `sink "${o.sinkName}": syslog ${o.tls === undefined ? 'tcp' : 'tls'} ${what}${errCode === undefined ? '' : ` (${errCode})`}`,
      {
        retryable: true,
        ...(cause === undefined ? {} : { cause }),
        details: {
          sink: o.sinkName,
          host: o.host,
          port: o.port,
          ...(errCode === undefined ? {} : { errorCode: errCode }),
        },
        hint: isTlsCertificateError(cause)
          ? TLS_CERT_HINT
          : 'check that the syslog receiver is up; the batch is retried',
      },
    );
  }
}

function tlsOptions(o: StreamOptions, tls: LoadedTls): import('node:tls').ConnectionOptions {
  return {
    host: o.host,
    port: o.port,
    rejectUnauthorized: tls.rejectUnauthorized,
    // SNI must not be an IP address (RFC 6066 §3); the certificate is still checked against it
    ...(tls.servername !== undefined
      ? { servername: tls.servername }
      : isIP(o.host) === 0
        ? { servername: o.host }
        : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}
