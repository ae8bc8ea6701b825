import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { AMQPClient } from '@cloudamqp/amqp-client';
import { AmpError } from '../errors.js';

/**
 * Make an AMQPClient run its AMQPS connection over a socket we opened (an HTTP CONNECT tunnel
 * through a proxy) instead of dialling the broker itself.
 *
 * @cloudamqp/amqp-client 4.1.1: `connect()` calls the internal `connectSocket()`, which does
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
      'this version of @cloudamqp/amqp-client has no connectSocket/onRead: AMQPS through a proxy needs 4.1.1',
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
