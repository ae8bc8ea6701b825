import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** What the test receiver does with the next request. */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** destroy the connection after this many body bytes have arrived */
  | { kind: 'drop'; afterBytes: number }
  /** read the body, then never answer */
  | { kind: 'hang' };

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** decompressed */
  readonly body: Buffer;
}

/** A small HTTP(S) receiver for the http sink tests: records requests, injects faults. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** Modes for the next requests, in order; then 'ok'. */
  readonly script: ReceiverMode[] = [];
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  static async start(
    options: { tls?: { certFile: string; keyFile: string }; port?: number } = {},
  ): Promise<Receiver> {
    const r = new Receiver();
    await r.listen(options);
    return r;
  }

  async listen(options: { tls?: { certFile: string; keyFile: string }; port?: number } = {}): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    const server = options.tls
      ? createHttpsServer(
          { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) },
          handler,
        )
      : createHttpServer(handler);
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const mode = this.script.shift() ?? { kind: 'ok' };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (mode.kind === 'drop' && size >= mode.afterBytes) req.socket.destroy();
    });
    req.on('end', () => {
      if (mode.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (mode.kind === 'hang') return;
      if (mode.kind === 'status') {
        res.writeHead(mode.status, mode.headers ?? {});
        res.end(mode.body ?? '');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  }
}
