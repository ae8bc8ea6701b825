import { randomUUID } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Frame,
  FrameParser,
  type MethodArgs,
  PROTOCOL_HEADER,
  decodeMethod,
  encodeMethod,
  str,
} from '../../src/emulator/broker/builtin/codec.js';
import { CONSTANTS, METHOD } from '../../src/emulator/broker/builtin/protocol.generated.js';
import {
  BROKERS,
  type CreatedStream,
  createStreamViaRest,
  deleteAllStreams,
  type TestEmulator,
  withEmulator,
} from '../helpers/emulator.js';

/**
 * Connection negotiation frame by frame (a raw client on the codec, over the AMQPS front),
 * on both brokers: capabilities, tune, heartbeat timeout, frame-max and channel-max limits, a
 * wrong protocol header; and, built-in broker only, that deliveries stop when the client does
 * not read (bounded memory).
 */

class RawClient {
  readonly socket: TLSSocket;
  readonly #parser = new FrameParser(1 << 20);
  readonly #frames: Frame[] = [];
  #wake: (() => void) | undefined;
  readonly closed: Promise<void>;
  raw = Buffer.alloc(0);

  constructor(emu: TestEmulator) {
    this.socket = connect({ host: '127.0.0.1', port: emu.amqpPort, ca: emu.caPem, servername: 'localhost' });
    this.socket.on('data', (b: Buffer) => {
      this.raw = Buffer.concat([this.raw, b]);
      try {
        this.#parser.push(b, this.#frames);
      } catch {
        // a protocol header instead of frames (wrong-header test): kept in `raw`
      }
      this.#wake?.();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }

  async frame(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.#frames.shift()!;
  }

  /** The next method frame (heartbeats skipped, counted). */
  heartbeats = 0;
  async method(): Promise<{ name: string; args: MethodArgs; channel: number }> {
    for (;;) {
      const f = await this.frame();
      if (f.type === CONSTANTS.FRAME_HEARTBEAT) {
        this.heartbeats++;
        continue;
      }
      const m = decodeMethod(f.payload);
      return { name: m.spec.name, args: m.args, channel: f.channel };
    }
  }

  /** Header, start-ok (PLAIN), and what the server says next. */
  async login(user: string, password: string): Promise<MethodArgs> {
    this.send(PROTOCOL_HEADER);
    const start = await this.method();
    expect(start.name).toBe('connection.start');
    this.send(
      encodeMethod(0, METHOD.connectionStartOk, {
        clientProperties: {
          product: 'raw test client',
          capabilities: { authentication_failure_close: true },
        },
        mechanism: 'PLAIN',
        response: `\0${user}\0${password}`,
        locale: 'en_US',
      }),
    );
    return start.args;
  }

  async open(
    s: CreatedStream,
    tune: { frameMax: number; channelMax: number; heartbeat: number },
  ): Promise<void> {
    await this.login(s.amqp_credentials.user_name, s.amqp_credentials.password);
    expect((await this.method()).name).toBe('connection.tune');
    this.send(encodeMethod(0, METHOD.connectionTuneOk, tune));
    this.send(encodeMethod(0, METHOD.connectionOpen, { virtualHost: '/' }));
  }

  close(): void {
    this.socket.destroy();
  }
}

describe.each(BROKERS)('AMQP connection negotiation (%s broker)', (broker) => {
  let emu: TestEmulator;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    emu = await withEmulator({ seed: 91 }, broker);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await deleteAllStreams(emu);
    await emu?.close();
  });
  const client = (): RawClient => {
    const c = new RawClient(emu);
    clients.push(c);
    return c;
  };

  it('advertises the capabilities clients look for and offers frame-max, channel-max and a heartbeat', async () => {
    const s = await createStreamViaRest(emu, { name: `neg ${randomUUID()}` });
    const c = client();
    const start = await c.login(s.amqp_credentials.user_name, s.amqp_credentials.password);
    expect(start['versionMajor']).toBe(0);
    expect(start['versionMinor']).toBe(9);
    expect(str(start['mechanisms']).split(' ')).toContain('PLAIN');
    const caps = (start['serverProperties'] as { capabilities: Record<string, unknown> }).capabilities;
    for (const cap of [
      'publisher_confirms',
      'consumer_cancel_notify',
      'basic.nack',
      'connection.blocked',
      'authentication_failure_close',
      'per_consumer_qos',
    ])
      expect(caps[cap]).toBe(true);
    const tune = await c.method();
    expect(tune.name).toBe('connection.tune');
    expect(tune.args['frameMax']).toBeGreaterThanOrEqual(4096);
    expect(tune.args['channelMax']).toBeGreaterThan(0);
    expect(tune.args['heartbeat']).toBeGreaterThan(0);
  });

  it('closes with 403 ACCESS_REFUSED on a wrong password', async () => {
    const s = await createStreamViaRest(emu, { name: `neg ${randomUUID()}` });
    const c = client();
    await c.login(s.amqp_credentials.user_name, 'wrong');
    const close = await c.method();
    expect(close.name).toBe('connection.close');
    expect(close.args['replyCode']).toBe(403);
    expect(str(close.args['replyText'])).toMatch(/^ACCESS_REFUSED/);
  });

  it('sends heartbeats and drops a client that sends none for two intervals', async () => {
    const s = await createStreamViaRest(emu, { name: `neg ${randomUUID()}` });
    const c = client();
    await c.open(s, { frameMax: 131072, channelMax: 16, heartbeat: 1 });
    expect((await c.method()).name).toBe('connection.open-ok');
    await c.closed; // we never send a heartbeat
    expect(c.heartbeats + c.raw.filter((b) => b === CONSTANTS.FRAME_HEARTBEAT).length).toBeGreaterThan(0);
  });

  it('refuses a frame-max below the 4096-byte minimum by closing the socket (a handshake error: no close frame)', async () => {
    const s = await createStreamViaRest(emu, { name: `neg ${randomUUID()}` });
    const c = client();
    await c.open(s, { frameMax: 1024, channelMax: 16, heartbeat: 0 });
    await c.closed;
    expect(await c.frame(100).catch(() => 'none')).toBe('none');
  });

  it('answers a wrong protocol header with its own and closes', async () => {
    const c = client();
    c.send(Buffer.from('AMQP\x00\x00\x08\x00'));
    await c.closed;
    expect(c.raw.subarray(0, 8)).toEqual(PROTOCOL_HEADER);
  });
});

describe('back-pressure (built-in broker)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator({ seed: 92 }, 'builtin');
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('stops delivering to a consumer whose socket is not read, leaving the backlog in the queue', async () => {
    const s = await createStreamViaRest(emu, { name: 'pressure' });
    const total = 30_000;
    await emu.inject(
      s.id,
      Array.from({ length: total }, (_, i) => Buffer.from(`{"n":${i},"pad":"${'x'.repeat(1000)}"}`)),
    );
    const c = new RawClient(emu);
    try {
      await c.open(s, { frameMax: 131072, channelMax: 16, heartbeat: 0 });
      expect((await c.method()).name).toBe('connection.open-ok');
      c.send(encodeMethod(1, METHOD.channelOpen));
      expect((await c.method()).name).toBe('channel.open-ok');
      // no ack, no prefetch limit: only the socket can hold the broker back
      c.send(encodeMethod(1, METHOD.basicConsume, { queue: s.amqp_credentials.queue_name, noAck: true }));
      expect((await c.method()).name).toBe('basic.consume-ok');
      c.socket.pause();
      await new Promise((r) => setTimeout(r, 1500));
      // 30 MB were ready; the broker may buffer ~1 MiB plus what the kernel's socket buffers hold
      expect(await emu.queueDepth(s.id)).toBeGreaterThan(total / 2);
    } finally {
      c.close();
    }
  });
});
