import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A free loopback TCP port (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP proxy on 127.0.0.1 for fault injection in front of a real service: it can be down
 * (not listening), forward, or cut every connection once N client bytes have gone through.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  #server: Server | undefined;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #cutAfterBytes: number | undefined;
  port = 0;
  /** Client bytes forwarded since the last `cutAfter`. */
  forwarded = 0;

  constructor(target: { host: string; port: number }, port = 0) {
    this.#target = target;
    this.port = port;
  }

  async up(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stop listening and destroy every open connection (both sides). */
  async down(): Promise<void> {
    this.killConnections();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  killConnections(): void {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Destroy all connections once `bytes` more client bytes have been forwarded. */
  cutAfter(bytes: number): void {
    this.forwarded = 0;
    this.#cutAfterBytes = bytes;
  }

  #accept(client: Socket): void {
    const upstream = new (client.constructor as typeof Socket)();
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(this.#target.port, this.#target.host);
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('data', (d: Buffer) => {
      this.forwarded += d.length;
      if (this.#cutAfterBytes !== undefined && this.forwarded >= this.#cutAfterBytes) {
        this.#cutAfterBytes = undefined;
        this.killConnections();
        return;
      }
      upstream.write(d);
    });
  }
}
