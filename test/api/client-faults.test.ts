import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import type { AmpError } from '../../src/errors.js';
import { failure } from '../helpers/failure.js';

/**
 * Fault injection over real sockets: a tiny in-test HTTP server that creates the stream and
 * then kills the connection before answering (the "did my POST work?" case), hangs, or
 * answers gzip.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  server = undefined;
});

async function serve(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

function json(
  res: ServerResponse,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ version: 'v1.2.0', metadata: { links: {} }, data }));
}

function clientFor(
  baseUrl: string,
  extra: Partial<ConstructorParameters<typeof SecureEndpointClient>[0]> = {},
): SecureEndpointClient {
  return new SecureEndpointClient({
    baseUrl,
    clientId: 'id',
    apiKey: 'key',
    retry: { baseMs: 1, maxMs: 5 },
    allowHttp: true,
    ...extra,
  });
}

const creds = {
  user_name: '9-abc',
  queue_name: 'event_stream_9',
  host: 'localhost',
  port: '443',
  proto: 'https',
};

describe('ambiguous create over a real connection', () => {
  it('returns the stream as recovered when the server created it and then dropped the connection', async () => {
    const streams: { id: number; name: string }[] = [];
    let posts = 0;
    const base = await serve((req, res, body) => {
      if (req.method === 'POST') {
        posts++;
        streams.push({ id: 9, name: (JSON.parse(body) as { name: string }).name });
        req.socket.destroy(); // created, but the answer (with the only copy of the password) is lost
        return;
      }
      json(
        res,
        200,
        streams.map((s) => ({ ...s, amqp_credentials: creds })),
      );
    });
    const c = clientFor(base);
    const r = await c.createEventStream({ name: 'SIEM' });
    expect(posts).toBe(1);
    expect(r.status).toBe('recovered');
    expect(r.stream).toMatchObject({ id: 9, name: 'SIEM' });
    await c.close();
  });

  it('raises API_AMBIGUOUS_CREATE when the connection dropped and no such stream exists', async () => {
    let posts = 0;
    const base = await serve((req, res) => {
      if (req.method === 'POST') {
        posts++;
        req.socket.destroy();
        return;
      }
      json(res, 200, []);
    });
    const c = clientFor(base);
    const e = await failure(c.createEventStream({ name: 'SIEM' }));
    expect(e.code).toBe('API_AMBIGUOUS_CREATE');
    expect(posts).toBe(1);
    await c.close();
  });

  it('raises API_AMBIGUOUS_CREATE telling to check first when even the listing fails', async () => {
    const base = await serve((req) => {
      req.socket.destroy();
    });
    const c = clientFor(base, { retry: { maxAttempts: 2, baseMs: 1, maxMs: 2 } });
    const e = await failure(c.createEventStream({ name: 'SIEM' }));
    expect(e.code).toBe('API_AMBIGUOUS_CREATE');
    expect(e.hint).toContain('streams list');
    await c.close();
  });

  it('treats a POST that timed out waiting for headers as ambiguous', async () => {
    const base = await serve((req, res) => {
      if (req.method === 'POST') return; // never answers
      json(res, 200, [{ id: 3, name: 'slow', amqp_credentials: creds }]);
    });
    const c = clientFor(base, { headersTimeoutMs: 200 });
    const r = await c.createEventStream({ name: 'slow' });
    expect(r.status).toBe('recovered');
    if (r.status === 'recovered') expect((r.cause as AmpError).code).toBe('API_TIMEOUT');
    await c.close();
  });
});

describe('real sockets', () => {
  it('decodes a gzip response', async () => {
    let asked = '';
    const base = await serve((req, res) => {
      asked = String(req.headers['accept-encoding']);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ version: 'v1.2.0', metadata: {}, data: {} })));
    });
    const c = clientFor(base);
    expect(await c.version()).toBe('v1.2.0');
    expect(asked).toBe('gzip');
    await c.close();
  });

  it('retries a GET whose connection was reset and succeeds', async () => {
    let n = 0;
    const base = await serve((req, res) => {
      if (++n === 1) {
        req.socket.destroy();
        return;
      }
      json(res, 200, {});
    });
    const c = clientFor(base);
    expect(await c.version()).toBe('v1.2.0');
    expect(n).toBe(2);
    await c.close();
  });

  it('reports a refused connection as API_NETWORK with exit 69', async () => {
    const base = await serve(() => undefined);
    server?.close();
    const c = clientFor(base, { retry: { maxAttempts: 2, baseMs: 1, maxMs: 2 } });
    const e = await failure(c.version());
    expect(e.code).toBe('API_NETWORK');
    expect(e.exitCode).toBe(69);
    await c.close();
  });
});
