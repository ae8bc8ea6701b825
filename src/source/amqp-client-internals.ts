import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { AMQPChannel, AMQPClient, AMQPMessage } from '@cloudamqp/amqp-client';
import { AmpError } from '../errors.js';

/**
 * The only place that reaches into @cloudamqp/amqp-client's internals. Its public API has no
 * way to (1) hand a consumer's messages over synchronously, nor (2) run AMQPS over a socket we
 * opened ourselves (an HTTP CONNECT tunnel), so both are done here, against the client version
 * pinned in package.json (`CLIENT_VERSION_USED`). test/source/amqp-client-internals.test.ts
 * fails as soon as an upgrade changes the version or either hook (the method names, and the
 * lines of the client that call them), so an upgrade is re-checked on purpose, never by
 * accident. Each patch applies to one instance, never to the prototypes.
 */

/** The client version these hooks were written against and tested with. */
export const CLIENT_VERSION_USED = '4.1.1';

/**
 * (1) Hand each message to `onMessage` right where the client finishes assembling it, instead
 * of through `AMQPChannel.deliver`, which schedules one microtask (and closure) per message and
 * looks the consumer up again: about 5 µs less CPU per event under load (docs/bench.md). The
 * channel must carry exactly one consumer (ours), so there is no routing to do. The client's
 * `onMessageReady` calls `this.deliver(message)` for consumer deliveries. `onMessage` must not
 * throw: it runs inside the client's frame parser.
 */
export function deliverSynchronously(ch: AMQPChannel, onMessage: (msg: AMQPMessage) => void): void {
  const c = ch as unknown as { deliver?: unknown };
  if (typeof c.deliver !== 'function') {
    throw new AmpError(
      'INTERNAL',
      `@cloudamqp/amqp-client has no AMQPChannel.deliver (written for ${CLIENT_VERSION_USED})`,
    );
  }
  c.deliver = onMessage;
}

/**
 * (2) Make an AMQPClient run its AMQPS connection over a socket we opened (an HTTP CONNECT tunnel
 * through a proxy) instead of dialling the broker itself.
 *
 * The client's `connect()` calls the internal `connectSocket()`, which does
 * `tls.connect({host, port, servername, rejectUnauthorized, ...tlsOptions}, sendStart)` and
 * reads with `onRead`; `connect()` then installs its error/end/close handlers — the ones that
 * fire `ondisconnect` and so drive our reconnects — only inside `socket.on("connect")`.
 * A TLSSocket wrapping an already-connected socket (`tls.connect({socket})`) never emits
 * 'connect' (only 'secureConnect'; checked on Node 20), so passing `socket` in `tlsOptions`
 * alone would leave a tunnelled connection without those handlers: a dropped tunnel would go
 * unnoticed. This replaces `connectSocket` on one client instance with the same TLS setup over
 * the tunnel and emits 'connect' on the next tick, after `connect()` has subscribed (a wrapped
 * TLSSocket has no 'connect' listener of its own). TLS verification, CA and SNI (= the broker
 * host, as without a proxy) are unchanged. The source tests cover it through a real proxy.
 */

/** The AMQP 0-9-1 protocol header the client sends once TLS is up. */
const AMQP_PROTOCOL_HEADER = new Uint8Array([65, 77, 81, 80, 0, 0, 9, 1]);

interface ClientInternals {
  readonly host: string;
  readonly tlsOptions: Record<string, unknown> | undefined;
  connectSocket: () => Socket;
  onRead: (buf: Buffer) => void;
  send: (bytes: Uint8Array) => Promise<void>;
}

/**
 * From now on, each `client.connect()` runs TLS over the socket `takeTunnel()` returns (it must
 * return a fresh, connected tunnel each time: a tunnel carries one connection).
 */
export function connectThroughTunnel(client: AMQPClient, takeTunnel: () => Socket): void {
  const c = client as unknown as ClientInternals;
  if (typeof c.connectSocket !== 'function' || typeof c.onRead !== 'function') {
    throw new AmpError(
      'INTERNAL',
      `@cloudamqp/amqp-client has no connectSocket/onRead: AMQPS through a proxy needs ${CLIENT_VERSION_USED}`,
    );
  }
  c.connectSocket = () => {
    const tunnel = takeTunnel();
    const conn = tlsConnect(
      {
        servername: isIP(c.host) === 0 ? c.host : '',
        rejectUnauthorized: true,
        ...c.tlsOptions,
        socket: tunnel,
      },
      () => void c.send(AMQP_PROTOCOL_HEADER),
    );
    conn.on('data', c.onRead.bind(c));
    process.nextTick(() => conn.emit('connect'));
    return conn;
  };
}
