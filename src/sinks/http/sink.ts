import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Sink, SinkContext, SinkRecord } from '../types.js';
import { encodeBody } from '../shared/http/body.js';
import { classifyHttpStatus } from '../shared/http/classify.js';
import { describeTarget, type HttpClient } from '../shared/http/client.js';
import { openHttpClient } from '../shared/http/options.js';
import type { HttpSinkOptions } from './config.js';
import { SinkLifecycle } from '../shared/lifecycle.js';

const gzip = promisify(gzipCb);

/**
 * POSTs each batch as one JSON array or NDJSON body. Durable = any 2xx (docs/architecture.md).
 * Failures are classified by `classifyHttpStatus` and the client's transport errors; the
 * undici pool reconnects by itself on the next write after a failure.
 */
export class HttpSink implements Sink {
  readonly name: string;
  readonly #options: HttpSinkOptions;
  readonly #context: SinkContext;
  readonly #url: URL;
  readonly #life: SinkLifecycle<HttpClient>;
  #headers: Record<string, string> = {};

  constructor(options: HttpSinkOptions, context: SinkContext) {
    this.name = context.name;
    this.#life = new SinkLifecycle(context.name);
    this.#options = options;
    this.#context = context;
    this.#url = new URL(options.url);
  }

  async start(): Promise<void> {
    if (this.#life.started) return;
    const o = this.#options;
    const headers: Record<string, string> = {
      ...o.headers,
      'content-type': o.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json',
    };
    if (o.gzip) headers['content-encoding'] = 'gzip';
    if (o.auth !== undefined)
      headers[o.auth.header] = o.auth.prefix + (await this.#context.resolveSecret(o.auth.secret));
    this.#headers = headers;
    this.#life.start(await openHttpClient(this.name, o, this.#context.logger));
    this.#context.logger.debug(
      { url: describeTarget({ method: o.method, url: this.#url }) },
      'http sink started',
    );
  }

  async write(batch: readonly SinkRecord[], signal?: AbortSignal): Promise<void> {
    const client = this.#life.use();
    if (batch.length === 0) return;
    const o = this.#options;
    const plain = encodeBody(batch, this.#context.format.kind, o.encoding);
    const body = o.gzip ? await gzip(plain) : plain;
    const req = { method: o.method, url: this.#url, headers: this.#headers, body };
    const res = await client.send(req, signal);
    const failure = classifyHttpStatus(res, { sinkName: this.name, target: describeTarget(req) });
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    await this.#life.close()?.close();
  }
}
