import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { FrontTarget } from './broker/stream-broker.js';

/**
 * The AMQPS front: a TLS server (certificate from the local CA). This is what
 * `export-streaming.amp.cisco.com:443` is to a Secure Endpoint customer: TLS outside, AMQP
 * 0-9-1 inside. With the built-in broker the decrypted stream is handed to the broker in
 * this process (no second hop); with RabbitMQ every client connection is piped to the
 * broker's plain AMQP port, byte for byte, and the broker's own authentication and
 * permissions apply. `dropConnections()` destroys every client socket (fault injection: a
 * network cut, no AMQP close).
 */

export interface AmqpsFrontOptions {
  readonly host: string;
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly target: FrontTarget;
  readonly logger: Logger;
}

export interface AmqpsFront {
  readonly port: number;
  /** client connections currently open */
  readonly connectionCount: number;
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startAmqpsFront(options: AmqpsFrontOptions): Promise<AmqpsFront> {
  const pairs = new Set<{ client: TLSSocket; upstream: Socket | undefined }>();
  const target = options.target;
  const server: Server = createServer({ cert: options.certPem, key: options.keyPem }, (client) => {
    const upstream =
      target.kind === 'forward' ? connect({ host: target.host, port: target.port }) : undefined;
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream?.destroy();
    };
    client.on('error', end).on('close', end);
    if (upstream === undefined) {
      client.setNoDelay(true); // the broker coalesces its own writes
      if (target.kind === 'adopt') target.adopt(client);
      return;
    }
    upstream.on('error', (err) => {
      options.logger.warn({ err: err.message }, 'AMQPS front: broker connection failed');
      end();
    });
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // handshake failures (a client that does not trust the CA, plain AMQP on the TLS port)
  server.on('tlsClientError', (err) =>
    options.logger.debug({ err: err.message }, 'AMQPS front: TLS handshake failed'),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const dropConnections = (): void => {
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream?.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get connectionCount() {
      return pairs.size;
    },
    dropConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      dropConnections();
      await closed;
    },
  };
}
