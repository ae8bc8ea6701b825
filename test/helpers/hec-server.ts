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
import { parseLossless } from '../../src/event/decode.js';

/**
 * A small but faithful Splunk HTTP Event Collector (HEC) for tests (Splunk cannot run here).
 *
 * Protocol, as Splunk documents it ("Format events for HTTP Event Collector", "About HTTP
 * Event Collector Indexer Acknowledgment", "Troubleshoot HTTP Event Collector"):
 * - `POST /services/collector/event` (also `/services/collector` and `/event/1.0`) with
 *   `Authorization: Splunk <token>`; the body is one or more JSON event objects concatenated
 *   (optionally whitespace-separated), each with an `event` field and optional `time`, `host`,
 *   `source`, `sourcetype`, `index`, `fields`. Content-Encoding gzip is accepted.
 * - Answers `{"text":"Success","code":0}`, plus `"ackId":N` when the token has indexer
 *   acknowledgement on. Ack ids count up per channel from 0.
 * - The channel is the `X-Splunk-Request-Channel` header or `?channel=`; a GUID. Required when
 *   the token has ack on.
 * - `POST /services/collector/ack` with `{"acks":[ids…]}` answers `{"acks":{"id":bool,…}}`;
 *   an id reported true is forgotten afterwards.
 * - `GET /services/collector/health` → `{"text":"HEC is healthy","code":17}`.
 * - Status codes (text, code, HTTP status): 1 Token disabled 403; 2 Token is required 401;
 *   3 Invalid authorization 401; 4 Invalid token 403; 5 No data 400; 6 Invalid data format
 *   400; 7 Incorrect index 400; 8 Internal server error 500; 9 Server is busy 503; 10 Data
 *   channel is missing 400; 11 Invalid data channel 400; 12 Event field is required 400;
 *   13 Event field cannot be blank 400; 14 ACK is disabled 400. Errors about one event carry
 *   `"invalid-event-number": n` (0-based); the events before it were already indexed.
 *
 * Faults: `busy` (next N event requests get 503 code 9), `drop` (next N event requests have
 * their connection destroyed mid-body, nothing indexed), `delayMs` (every answer waits),
 * `ackDelayMs` (acks turn true only this long after the POST), `neverAck`, `stop()`/`listen()`.
 */

export interface HecToken {
  readonly ack?: boolean;
  readonly disabled?: boolean;
  /** indexes this token may write to (default: any) */
  readonly indexes?: readonly string[];
}

export interface IndexedEvent {
  readonly token: string;
  readonly channel: string | undefined;
  readonly time: unknown;
  readonly host: unknown;
  readonly source: unknown;
  readonly sourcetype: unknown;
  readonly index: unknown;
  /** parsed losslessly: integer ids of 16+ digits are decimal strings */
  readonly event: unknown;
  /** the event object's JSON text exactly as it came */
  readonly text: string;
}

export interface HecFaults {
  busy: number;
  drop: number;
  delayMs: number;
  ackDelayMs: number;
  neverAck: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Pending {
  readonly at: number;
}

export class HecServer {
  readonly tokens: Map<string, HecToken>;
  readonly indexed: IndexedEvent[] = [];
  readonly faults: HecFaults = { busy: 0, drop: 0, delayMs: 0, ackDelayMs: 0, neverAck: false };
  /** Every request seen, for assertions on headers and paths. */
  readonly requests: { readonly path: string; readonly headers: IncomingMessage['headers'] }[] = [];
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #channels = new Map<string, { next: number; pending: Map<number, Pending> }>();
  readonly #tls: { certFile: string; keyFile: string } | undefined;

  constructor(options: { tokens: Record<string, HecToken>; tls?: { certFile: string; keyFile: string } }) {
    this.tokens = new Map(Object.entries(options.tokens));
    this.#tls = options.tls;
  }

  static async start(options: {
    tokens: Record<string, HecToken>;
    tls?: { certFile: string; keyFile: string };
    port?: number;
  }): Promise<HecServer> {
    const s = new HecServer(options);
    await s.listen(options.port ?? 0);
    return s;
  }

  get url(): string {
    return `${this.#tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async listen(port = this.port): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.#handle(req, res);
    const server = this.#tls
      ? createHttpsServer(
          { cert: await readFile(this.#tls.certFile), key: await readFile(this.#tls.keyFile) },
          handler,
        )
      : createHttpServer(handler);
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Close the listener and every connection; channel state is lost, as on a Splunk restart. */
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    this.#channels.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ack ids issued and not yet reported true to a poll, over all channels. */
  pendingAcks(): number {
    let n = 0;
    for (const ch of this.#channels.values()) n += ch.pending.size;
    return n;
  }

  /** Ids of the indexed events: the `id` of JSON events, `externalId=` of CEF strings. */
  ids(): string[] {
    return this.indexed.map((e) => {
      if (typeof e.event === 'string') return /externalId=(\d+)/.exec(e.event)?.[1] ?? '';
      return String((e.event as { id?: unknown }).id);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hec');
    this.requests.push({ path: url.pathname, headers: req.headers });
    const isEvent =
      req.method === 'POST' && /^\/services\/collector(\/event(\/1\.0)?)?\/?$/.test(url.pathname);
    if (isEvent && this.faults.drop > 0) {
      this.faults.drop--;
      req.once('data', () => req.socket.destroy());
      return;
    }
    const body = await readBody(req);
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    if (req.method === 'GET' && url.pathname === '/services/collector/health')
      return send(res, 200, { text: 'HEC is healthy', code: 17 });
    if (!isEvent && !(req.method === 'POST' && url.pathname === '/services/collector/ack')) {
      return send(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    }
    const auth = this.#authorize(req);
    if ('status' in auth) return send(res, auth.status, auth.body);
    const channel =
      (req.headers['x-splunk-request-channel'] as string | undefined) ??
      url.searchParams.get('channel') ??
      undefined;
    if (channel !== undefined && !GUID.test(channel))
      return send(res, 400, { text: 'Invalid data channel', code: 11 });
    if (isEvent)
      return this.#events(
        res,
        auth,
        channel,
        req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body,
      );
    return this.#acks(res, auth, channel, body);
  }

  #authorize(req: IncomingMessage): { token: string; config: HecToken } | { status: number; body: object } {
    const header = req.headers.authorization;
    if (header === undefined) return { status: 401, body: { text: 'Token is required', code: 2 } };
    const m = /^Splunk (\S+)$/.exec(header);
    if (m === null) return { status: 401, body: { text: 'Invalid authorization', code: 3 } };
    const config = this.tokens.get(m[1]!);
    if (config === undefined) return { status: 403, body: { text: 'Invalid token', code: 4 } };
    if (config.disabled === true) return { status: 403, body: { text: 'Token disabled', code: 1 } };
    return { token: m[1]!, config };
  }

  #events(
    res: ServerResponse,
    auth: { token: string; config: HecToken },
    channel: string | undefined,
    body: Buffer,
  ): void {
    if (auth.config.ack === true && channel === undefined)
      return send(res, 400, { text: 'Data channel is missing', code: 10 });
    if (this.faults.busy > 0) {
      this.faults.busy--;
      return send(res, 503, { text: 'Server is busy', code: 9 });
    }
    const texts = splitConcatenatedJson(body.toString('utf8'));
    if (texts === undefined || texts.length === 0) {
      return texts === undefined
        ? send(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 })
        : send(res, 400, { text: 'No data', code: 5 });
    }
    for (const [n, text] of texts.entries()) {
      let obj: Record<string, unknown>;
      try {
        obj = parseLossless(text) as Record<string, unknown>;
      } catch {
        return send(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': n });
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        return send(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': n });
      }
      if (!('event' in obj))
        return send(res, 400, { text: 'Event field is required', code: 12, 'invalid-event-number': n });
      if (obj['event'] === '' || obj['event'] === null) {
        return send(res, 400, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': n });
      }
      const allowed = auth.config.indexes;
      if (
        allowed !== undefined &&
        obj['index'] !== undefined &&
        (typeof obj['index'] !== 'string' || !allowed.includes(obj['index']))
      ) {
        return send(res, 400, { text: 'Incorrect index', code: 7, 'invalid-event-number': n });
      }
      this.indexed.push({
        token: auth.token,
        channel,
        time: obj['time'],
        host: obj['host'],
        source: obj['source'],
        sourcetype: obj['sourcetype'],
        index: obj['index'],
        event: obj['event'],
        text,
      });
    }
    if (auth.config.ack !== true || channel === undefined)
      return send(res, 200, { text: 'Success', code: 0 });
    const ch = this.#channel(channel);
    const ackId = ch.next++;
    ch.pending.set(ackId, { at: Date.now() });
    return send(res, 200, { text: 'Success', code: 0, ackId });
  }

  #acks(
    res: ServerResponse,
    auth: { token: string; config: HecToken },
    channel: string | undefined,
    body: Buffer,
  ): void {
    if (auth.config.ack !== true) return send(res, 400, { text: 'ACK is disabled', code: 14 });
    if (channel === undefined) return send(res, 400, { text: 'Data channel is missing', code: 10 });
    let ids: unknown;
    try {
      ids = (JSON.parse(body.toString('utf8')) as { acks?: unknown }).acks;
    } catch {
      return send(res, 400, { text: 'Invalid data format', code: 6 });
    }
    if (!Array.isArray(ids)) return send(res, 400, { text: 'Invalid data format', code: 6 });
    const ch = this.#channel(channel);
    const acks: Record<string, boolean> = {};
    for (const id of ids as number[]) {
      const p = ch.pending.get(id);
      const done = p !== undefined && !this.faults.neverAck && Date.now() - p.at >= this.faults.ackDelayMs;
      acks[String(id)] = done;
      if (done) ch.pending.delete(id);
    }
    return send(res, 200, { acks });
  }

  #channel(id: string): { next: number; pending: Map<number, Pending> } {
    let ch = this.#channels.get(id);
    if (ch === undefined) {
      ch = { next: 0, pending: new Map() };
      this.#channels.set(id, ch);
    }
    return ch;
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Splits `{…}{…} {…}` into the text of each top-level JSON object (braces counted outside
 * strings). undefined when the text is not a sequence of objects.
 */
export function splitConcatenatedJson(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return undefined;
    out.push(text.slice(start, i));
  }
  return out;
}
