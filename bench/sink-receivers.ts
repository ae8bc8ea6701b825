import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Light receivers for the sink drain benchmark: they run in the harness process, so they do
 * as little as a real endpoint's front door would (read the body, append it to a file,
 * answer). Splunk cannot run here; an HTTP endpoint is whatever the user points the sink at.
 * (The tests' HecServer, test/helpers/hec-server.ts, parses and keeps every event losslessly
 * and injects faults: right for assertions, too heavy to share two cores with a timed drain.)
 *
 * - `BenchHttpReceiver`: accepts any POST/PUT, appends the body (the sink sends ndjson) to
 *   its file, answers 200.
 * - `BenchHecReceiver`: Splunk HEC's wire contract as the sink uses it ("Format events for
 *   HTTP Event Collector", "About HTTP Event Collector Indexer Acknowledgment"): POST
 *   /services/collector/event with concatenated event objects → `{"text":"Success","code":0,
 *   "ackId":N}`; POST /services/collector/ack `{"acks":[…]}` → every id true (the events are
 *   on disk by then: the file is written before the event POST is answered). The bodies are
 *   stored one event per line (`}{"time":` split), so the output check can count them.
 */

abstract class BenchReceiver {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #out: WriteStream | undefined;
  port = 0;
  requests = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start a new output file for the next drain (the previous one is closed first). */
  async reset(path: string): Promise<void> {
    await this.closeOutput();
    this.#out = createWriteStream(path, { flags: 'w' });
    this.requests = 0;
  }

  async closeOutput(): Promise<void> {
    const out = this.#out;
    this.#out = undefined;
    if (out !== undefined) await new Promise<void>((resolve) => out.end(resolve));
  }

  async close(): Promise<void> {
    await this.closeOutput();
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Append to the output file; resolves once the write has been handed to the OS. */
  protected append(data: Buffer | string): Promise<void> {
    const out = this.#out;
    if (out === undefined)
      return Promise.reject(new Error('receiver has no output file (reset() not called)'));
    return new Promise((resolve, reject) => out.write(data, (e) => (e ? reject(e) : resolve())));
  }

  protected abstract answer(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: string }>;

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      this.answer(req, Buffer.concat(chunks)).then(
        (a) => res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  }
}

export class BenchHttpReceiver extends BenchReceiver {
  protected async answer(_req: IncomingMessage, body: Buffer): Promise<{ status: number; body: string }> {
    if (body.length > 0)
      await this.append(body[body.length - 1] === 0x0a ? body : Buffer.concat([body, Buffer.from('\n')]));
    return { status: 200, body: '{}' };
  }
}

const EVENT_BOUNDARY = /\}\s*\{"time":/g;

export class BenchHecReceiver extends BenchReceiver {
  #nextAckId = 0;

  protected async answer(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: string }> {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/services/collector/ack') {
      const { acks } = JSON.parse(body.toString('utf8')) as { acks: number[] };
      return {
        status: 200,
        body: JSON.stringify({ acks: Object.fromEntries(acks.map((id) => [id, true])) }),
      };
    }
    if (path === '/services/collector/event' || path === '/services/collector') {
      await this.append(`${body.toString('utf8').replace(EVENT_BOUNDARY, '}\n{"time":')}\n`);
      return { status: 200, body: JSON.stringify({ text: 'Success', code: 0, ackId: this.#nextAckId++ }) };
    }
    return {
      status: 404,
      body: JSON.stringify({ text: 'The requested URL was not found on this server.', code: 404 }),
    };
  }
}
