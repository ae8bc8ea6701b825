import type { Duplex } from 'node:stream';
import { Channel, ChannelError, type ChannelHost } from './channel.js';
import {
  type Frame,
  FrameParser,
  HEARTBEAT_FRAME,
  type MethodArgs,
  PROTOCOL_HEADER,
  ProtocolError,
  type FieldTable,
  decodeMethod,
  encodeMethod,
  num,
  str,
} from './codec.js';
import { CONSTANTS, METHOD, type MethodSpec } from './protocol.generated.js';
import type { BrokerQueue } from './queue.js';

/**
 * One client connection of the built-in broker, as a state machine:
 *   header → start/start-ok (PLAIN) → tune/tune-ok → open/open-ok → channels → close.
 * A wrong password gets connection.close 403 ACCESS_REFUSED (RabbitMQ's
 * authentication_failure_close). Heartbeats as negotiated: one is sent every half interval
 * and the connection is dropped after two intervals without a byte from the client.
 * Back-pressure: deliveries stop while the socket's write buffer is above HIGH_WATER and
 * resume on 'drain'; reading pauses while it is above PAUSE_READ (a client that sends
 * requests without reading the answers cannot grow our memory).
 */

export interface ConnectionContext {
  readonly serverProperties: FieldTable;
  readonly frameMax: number;
  readonly channelMax: number;
  readonly heartbeat: number;
  /** the user's name when the password matches, else undefined */
  authenticate(user: string, password: string): boolean;
  queue(name: string): BrokerQueue | undefined;
  mayRead(user: string, queue: string): boolean;
  opened(c: BrokerConnection): void;
  closed(c: BrokerConnection): void;
}

/** deliveries wait while more than this is buffered for the socket */
export const HIGH_WATER = 1 << 20;
/** stop reading requests while more than this is buffered */
const PAUSE_READ = 8 << 20;
/** coalesce small frames into one socket write up to this size */
const FLUSH_BYTES = 128 << 10;
/** a client that does not answer our connection.close within this is dropped */
const CLOSE_TIMEOUT_MS = 3000;

type State = 'header' | 'start' | 'tune' | 'open' | 'running' | 'closing' | 'closed';

export class BrokerConnection implements ChannelHost {
  readonly #socket: Duplex;
  readonly #ctx: ConnectionContext;
  readonly #parser: FrameParser;
  readonly #channels = new Map<number, Channel>();
  /** channels we closed, awaiting the client's close-ok */
  readonly #closingChannels = new Set<number>();
  #state: State = 'header';
  #header = Buffer.alloc(0);
  #out: Buffer[] = [];
  #outBytes = 0;
  #flushScheduled = false;
  #lastRead = Date.now();
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  user = '';
  frameMax: number;
  channelMax: number;
  clientProperties: FieldTable = {};

  constructor(socket: Duplex, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.frameMax = ctx.frameMax;
    this.channelMax = ctx.channelMax;
    this.#parser = new FrameParser(ctx.frameMax);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      if (this.#socket.isPaused()) this.#socket.resume();
      for (const ch of this.#channels.values()) ch.resume();
    });
    socket.on('error', () => this.#teardown());
    socket.on('close', () => this.#teardown());
    socket.on('end', () => this.#teardown());
  }

  // ------------------------------------------------------------------------- ChannelHost

  send(frame: Buffer): void {
    if (this.#state === 'closed') return;
    this.#out.push(frame);
    this.#outBytes += frame.length;
    if (this.#outBytes >= FLUSH_BYTES) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#out.length === 0 || this.#socket.destroyed) return;
    const b = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    this.#socket.write(b);
  }

  writable(): boolean {
    return this.#outBytes + this.#socket.writableLength < HIGH_WATER;
  }

  queue(name: string): BrokerQueue | undefined {
    return this.#ctx.queue(name);
  }

  mayRead(queue: string): boolean {
    return this.#ctx.mayRead(this.user, queue);
  }

  fail(code: number, text: string, spec?: MethodSpec): void {
    this.close(code, text, spec);
  }

  // ------------------------------------------------------------------------- lifecycle

  /** Server-initiated connection.close; the socket is destroyed after close-ok (or a timeout). */
  close(code: number, text: string, spec?: MethodSpec): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#releaseChannels();
    this.#state = 'closing';
    this.send(
      encodeMethod(0, METHOD.connectionClose, {
        replyCode: code,
        replyText: text,
        classId: spec?.classId ?? 0,
        methodId: spec?.methodId ?? 0,
      }),
    );
    this.#flush();
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
    this.#closeTimer.unref();
  }

  /** Drop the socket without a close frame (fault injection: a network cut). */
  destroy(): void {
    this.#socket.destroy();
  }

  #teardown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#releaseChannels();
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#out = [];
    if (!this.#socket.destroyed) this.#socket.destroy();
    this.#ctx.closed(this);
  }

  #releaseChannels(): void {
    for (const ch of this.#channels.values()) ch.release();
    this.#channels.clear();
  }

  // ------------------------------------------------------------------------- input

  #onData(chunk: Buffer): void {
    this.#lastRead = Date.now();
    if (this.#state === 'closed') return;
    try {
      if (this.#state === 'header') {
        this.#header = Buffer.concat([this.#header, chunk]);
        if (this.#header.length < 8) return;
        if (!this.#header.subarray(0, 8).equals(PROTOCOL_HEADER)) {
          this.#socket.end(PROTOCOL_HEADER);
          this.#state = 'closed';
          return;
        }
        chunk = this.#header.subarray(8);
        this.#header = Buffer.alloc(0);
        this.#state = 'start';
        this.send(
          encodeMethod(0, METHOD.connectionStart, {
            versionMajor: 0,
            versionMinor: 9,
            serverProperties: this.#ctx.serverProperties,
            mechanisms: 'PLAIN',
            locales: 'en_US',
          }),
        );
        if (chunk.length === 0) return;
      }
      const frames: Frame[] = [];
      this.#parser.push(chunk, frames);
      for (const f of frames) {
        if (this.#isClosed()) return;
        this.#frame(f);
      }
    } catch (e) {
      const code = e instanceof ProtocolError ? e.replyCode : CONSTANTS.INTERNAL_ERROR;
      this.close(
        code,
        `${code === CONSTANTS.FRAME_ERROR ? 'FRAME_ERROR' : 'ERROR'} - ${(e as Error).message}`,
      );
    }
    if (this.#outBytes + this.#socket.writableLength > PAUSE_READ) this.#socket.pause();
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #frame(f: Frame): void {
    if (f.type === CONSTANTS.FRAME_HEARTBEAT) return;
    if (f.type !== CONSTANTS.FRAME_METHOD) {
      if (this.#state !== 'running')
        throw new ProtocolError(CONSTANTS.UNEXPECTED_FRAME, 'content before open');
      if (this.#closingChannels.has(f.channel)) return;
      const ch = this.#channels.get(f.channel);
      if (ch === undefined) throw new ProtocolError(CONSTANTS.CHANNEL_ERROR, `no channel ${f.channel}`);
      this.#onChannel(ch, () => ch.content(f.type, f.payload));
      return;
    }
    const { spec, args } = decodeMethod(f.payload);
    if (f.channel === 0) return this.#connectionMethod(spec, args);
    if (this.#state === 'closing') return;
    if (this.#state !== 'running')
      throw new ProtocolError(CONSTANTS.COMMAND_INVALID, `${spec.name} before the connection is open`);
    if (this.#closingChannels.has(f.channel)) {
      if (spec.key === METHOD.channelCloseOk) this.#closingChannels.delete(f.channel);
      else if (spec.key === METHOD.channelClose) {
        this.send(encodeMethod(f.channel, METHOD.channelCloseOk));
      }
      return;
    }
    if (spec.key === METHOD.channelOpen) {
      if (this.#channels.has(f.channel))
        return this.close(CONSTANTS.CHANNEL_ERROR, `CHANNEL_ERROR - second 'channel.open' seen`, spec);
      if (f.channel > this.channelMax && this.channelMax > 0)
        return this.close(
          CONSTANTS.NOT_ALLOWED,
          `NOT_ALLOWED - number of channels opened (${f.channel}) has reached the negotiated channel_max (${this.channelMax})`,
          spec,
        );
      this.#channels.set(f.channel, new Channel(f.channel, this));
      this.send(encodeMethod(f.channel, METHOD.channelOpenOk, { channelId: '' }));
      return;
    }
    const ch = this.#channels.get(f.channel);
    if (ch === undefined)
      return this.close(CONSTANTS.CHANNEL_ERROR, `CHANNEL_ERROR - expected 'channel.open'`, spec);
    if (spec.key === METHOD.channelClose) {
      ch.release();
      this.#channels.delete(f.channel);
      this.send(encodeMethod(f.channel, METHOD.channelCloseOk));
      return;
    }
    if (spec.key === METHOD.channelCloseOk) return;
    if (ch.awaitingContent)
      throw new ProtocolError(CONSTANTS.UNEXPECTED_FRAME, 'method while awaiting content');
    this.#onChannel(ch, () => ch.method(spec, args), spec);
  }

  /** Run a channel operation; a ChannelError closes that channel (soft error). */
  #onChannel(ch: Channel, fn: () => void, spec?: MethodSpec): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      ch.release();
      this.#channels.delete(ch.id);
      this.#closingChannels.add(ch.id);
      this.send(
        encodeMethod(ch.id, METHOD.channelClose, {
          replyCode: e.replyCode,
          replyText: e.message,
          classId: spec?.classId ?? 60,
          methodId: spec?.methodId ?? 40,
        }),
      );
    }
  }

  #connectionMethod(spec: MethodSpec, a: MethodArgs): void {
    switch (spec.key) {
      case METHOD.connectionStartOk:
        return this.#startOk(a);
      case METHOD.connectionTuneOk:
        return this.#tuneOk(a);
      case METHOD.connectionOpen: {
        if (this.#state !== 'open')
          throw new ProtocolError(CONSTANTS.COMMAND_INVALID, 'unexpected connection.open');
        const vhost = str(a['virtualHost']) || '/';
        if (vhost !== '/' && vhost !== '')
          return this.close(CONSTANTS.NOT_ALLOWED, `NOT_ALLOWED - vhost ${vhost} not found`, spec);
        this.#state = 'running';
        this.send(encodeMethod(0, METHOD.connectionOpenOk, { knownHosts: '' }));
        this.#ctx.opened(this);
        return;
      }
      case METHOD.connectionClose:
        this.#releaseChannels();
        this.#state = 'closing';
        this.send(encodeMethod(0, METHOD.connectionCloseOk));
        this.#flush();
        this.#socket.end();
        return;
      case METHOD.connectionCloseOk:
        this.#socket.end();
        this.#teardown();
        return;
      case METHOD.connectionBlocked:
      case METHOD.connectionUnblocked:
        return;
      case METHOD.connectionUpdateSecret:
        this.send(encodeMethod(0, METHOD.connectionUpdateSecretOk));
        return;
      default:
        throw new ProtocolError(CONSTANTS.COMMAND_INVALID, `COMMAND_INVALID - ${spec.name} on channel 0`);
    }
  }

  #startOk(a: MethodArgs): void {
    if (this.#state !== 'start') throw new ProtocolError(CONSTANTS.COMMAND_INVALID, 'unexpected start-ok');
    this.clientProperties = (a['clientProperties'] ?? {}) as FieldTable;
    const mechanism = str(a['mechanism']);
    const response = str(a['response']);
    let user = '';
    let ok = false;
    if (mechanism === 'PLAIN') {
      // authzid \0 authcid \0 password
      const parts = response.split('\0');
      if (parts.length === 3) {
        user = parts[1]!;
        ok = this.#ctx.authenticate(user, parts[2]!);
      }
    }
    if (!ok) {
      // as RabbitMQ: a connection.close only for clients that announce
      // authentication_failure_close, the others see the socket close (a handshake error)
      const caps = this.clientProperties['capabilities'];
      const wantsClose =
        typeof caps === 'object' &&
        caps !== null &&
        (caps as FieldTable)['authentication_failure_close'] === true;
      if (!wantsClose) return this.#handshakeFailed();
      return this.close(
        CONSTANTS.ACCESS_REFUSED,
        mechanism === 'PLAIN'
          ? 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.'
          : `ACCESS_REFUSED - unsupported authentication mechanism '${mechanism}' (only PLAIN)`,
      );
    }
    this.user = user;
    this.#state = 'tune';
    this.send(
      encodeMethod(0, METHOD.connectionTune, {
        channelMax: this.#ctx.channelMax,
        frameMax: this.#ctx.frameMax,
        heartbeat: this.#ctx.heartbeat,
      }),
    );
  }

  #tuneOk(a: MethodArgs): void {
    if (this.#state !== 'tune') throw new ProtocolError(CONSTANTS.COMMAND_INVALID, 'unexpected tune-ok');
    const frameMax = num(a['frameMax']);
    const channelMax = num(a['channelMax']);
    const heartbeat = num(a['heartbeat']);
    // as RabbitMQ: an error while tuning is a handshake error, the socket closes without a frame
    if (frameMax !== 0 && frameMax < CONSTANTS.FRAME_MIN_SIZE) return this.#handshakeFailed();
    if (frameMax > this.#ctx.frameMax) return this.#handshakeFailed();
    this.frameMax = frameMax === 0 ? this.#ctx.frameMax : frameMax;
    this.#parser.frameMax = this.frameMax;
    this.channelMax = channelMax === 0 ? this.#ctx.channelMax : Math.min(channelMax, this.#ctx.channelMax);
    this.#state = 'open';
    if (heartbeat > 0) this.#startHeartbeat(heartbeat);
  }

  /** Before the connection is open, errors close the socket without a close frame (RabbitMQ's handshake_error). */
  #handshakeFailed(): void {
    this.#state = 'closing';
    this.#flush();
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  }

  #startHeartbeat(seconds: number): void {
    const interval = (seconds * 1000) / 2;
    this.#heartbeatTimer = setInterval(() => {
      if (Date.now() - this.#lastRead > seconds * 2000) {
        this.#socket.destroy(); // missed heartbeats: RabbitMQ closes without a close frame
        return;
      }
      if (this.#outBytes === 0 && this.#socket.writableLength === 0) this.send(HEARTBEAT_FRAME);
    }, interval);
    this.#heartbeatTimer.unref();
  }
}
