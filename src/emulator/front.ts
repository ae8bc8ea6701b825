import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';

/**
 * The AMQPS front: a TLS server (certificate from the local CA) that pipes every client
 * connection to the broker's plain AMQP port, byte for byte. This is what
 * `export-streaming.amp.cisco.com:443` is to a Secure Endpoint customer: TLS outside, AMQP
 * 0-9-1 inside, and the broker's own authentication and permissions apply.
 * `dropConnections()` destroys every piped pair (fault injection for consumer tests).
 */

export interface AmqpsFrontOptions {
  readonly host: string;
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly brokerHost: string;
  readonly brokerPort: number;
  readonly logger: Logger;
}

export interface AmqpsFront {
  readonly port: number;
  /** client connections currently piped */
  readonly connectionCount: number;
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startAmqpsFront(options: AmqpsFrontOptions): Promise<AmqpsFront> {
  const pairs = new Set<{ client: TLSSocket; upstream: Socket }>();
  const server: Server = createServer({ cert: options.certPem, key: options.keyPem }, (client) => {
    const upstream = connect({ host: options.brokerHost, port: options.brokerPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
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
      upstream.destroy();
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
