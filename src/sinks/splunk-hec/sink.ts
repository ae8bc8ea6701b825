import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { AmpError } from '../../errors.js';
import { sleep } from '../../util/retry.js';
import { describeTarget, type HttpClient, type HttpRequest } from '../shared/http/client.js';
import { openHttpClient } from '../shared/http/options.js';
import { SinkLifecycle } from '../shared/lifecycle.js';
import type { Sink, SinkContext, SinkRecord } from '../types.js';
import { classifyHecResponse, parseHecBody } from './classify.js';
import type { SplunkHecOptions } from './config.js';
import { chunkBodies, hecEvent } from './format.js';

const gzip = promisify(gzipCb);

export interface HecDeps {
  /** (default=Date.now) in ms */
  readonly now?: () => number;
  /** (default=util/retry sleep) */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** First wait before polling indexer acknowledgement, in ms (then doubling to ackPollIntervalMs). */
const FIRST_ACK_POLL_MS = 20;

/**
 * Splunk HTTP Event Collector. A write POSTs the batch to /services/collector/event (split
 * into requests of at most `maxRequestBytes`); durable = HTTP 200 code 0, or with `ack: true`
 * = every request's ackId reported true by /services/collector/ack. A batch whose acks do
 * not all arrive within `ackTimeoutMs` fails retryably and is sent again (at least once:
 * Splunk may then hold it twice).
 */
export class SplunkHecSink implements Sink {
  readonly name: string;
  readonly #o: SplunkHecOptions;
  readonly #context: SinkContext;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #eventUrl: URL;
  readonly #ackUrl: URL;
  readonly #channel: string;
  readonly #life: SinkLifecycle<HttpClient>;
  #headers: Record<string, string> = {};
  #warnedNoAckId = false;

  constructor(options: SplunkHecOptions, context: SinkContext, deps: HecDeps = {}) {
    this.name = context.name;
    this.#life = new SinkLifecycle(context.name);
    this.#o = options;
    this.#context = context;
    this.#now = deps.now ?? Date.now;
    this.#sleep = deps.sleep ?? ((ms) => sleep(ms));
    const base = options.url.replace(/\/+$/, '').replace(/\/services\/collector(\/event(\/1\.0)?)?$/, '');
    this.#eventUrl = new URL(`${base}/services/collector/event`);
    this.#ackUrl = new URL(`${base}/services/collector/ack`);
    this.#channel = options.channel ?? randomUUID();
  }

  async start(): Promise<void> {
    if (this.#life.started) return;
    const o = this.#o;
    const token = await this.#context.resolveSecret(o.token);
    this.#headers = {
      authorization: `Splunk ${token}`,
      'content-type': 'application/json',
      'x-splunk-request-channel': this.#channel,
    };
    this.#life.start(await openHttpClient(this.name, o, this.#context.logger));
    this.#context.logger.debug(
      { url: describeTarget({ method: 'POST', url: this.#eventUrl }), ack: o.ack },
      'splunk-hec sink started',
    );
  }

  async write(batch: readonly SinkRecord[], signal?: AbortSignal): Promise<void> {
    const client = this.#life.use();
    if (batch.length === 0) return;
    const o = this.#o;
    const kind = this.#context.format.kind;
    const meta = {
      source: o.source,
      sourcetype: o.sourcetype,
      ...(o.host === undefined ? {} : { host: o.host }),
      ...(o.index === undefined ? {} : { index: o.index }),
    };
    const bodies = chunkBodies(
      batch.map((r) => hecEvent(r, kind, meta)),
      o.maxRequestBytes,
    );
    const ackIds: number[] = [];
    for (const plain of bodies) {
      const ackId = await this.#post(client, plain, signal);
      if (ackId !== undefined) ackIds.push(ackId);
    }
    if (o.ack && ackIds.length > 0) await this.#waitForAcks(client, ackIds);
  }

  async #post(client: HttpClient, plain: Buffer, signal?: AbortSignal): Promise<number | undefined> {
    const headers = this.#o.gzip ? { ...this.#headers, 'content-encoding': 'gzip' } : this.#headers;
    const req: HttpRequest = {
      method: 'POST',
      url: this.#eventUrl,
      headers,
      body: this.#o.gzip ? await gzip(plain) : plain,
    };
    const res = await client.send(req, signal);
    const body = parseHecBody(res.text);
    const failure = classifyHecResponse(res, body, {
      sinkName: this.name,
      target: describeTarget(req),
      now: this.#now,
    });
    if (failure !== undefined) throw failure;
    if (this.#o.ack && body.ackId === undefined && !this.#warnedNoAckId) {
      this.#warnedNoAckId = true;
      this.#context.logger.warn(
        `sink "${this.name}": ack is on but Splunk returned no ackId (indexer acknowledgement is off for this token); HTTP 200 is taken as delivered`,
      );
    }
    return body.ackId;
  }

  /** Polls /services/collector/ack until every id is true, or fails retryably at the deadline. */
  async #waitForAcks(client: HttpClient, ids: readonly number[]): Promise<void> {
    const pending = new Set(ids);
    const deadline = this.#now() + this.#o.ackTimeoutMs;
    let lastError: AmpError | undefined;
    // the first poll comes soon and the pause doubles up to ackPollIntervalMs: batches are
    // written one at a time, so a fixed first wait caps the sink at maxEvents per wait
    // (docs/bench.md, Measurements behind code decisions)
    let delay = Math.min(FIRST_ACK_POLL_MS, this.#o.ackPollIntervalMs);
    while (pending.size > 0) {
      if (this.#now() >= deadline) {
        throw new AmpError(
          'SINK_TIMEOUT',
          `sink "${this.name}": Splunk did not confirm indexing of ${pending.size} request(s) within ${this.#o.ackTimeoutMs} ms`,
          {
            retryable: true,
            ...(lastError === undefined ? {} : { cause: lastError }),
            details: { pendingAcks: pending.size, channel: this.#channel },
            hint: 'the indexers are slow or the acks were lost (Splunk restart); the batch is sent again',
          },
        );
      }
      await this.#sleep(delay);
      delay = Math.min(delay * 2, this.#o.ackPollIntervalMs);
      const req: HttpRequest = {
        method: 'POST',
        url: this.#ackUrl,
        headers: this.#headers,
        body: Buffer.from(JSON.stringify({ acks: [...pending] })),
      };
      try {
        const res = await client.send(req);
        const failure = classifyHecResponse(res, parseHecBody(res.text), {
          sinkName: this.name,
          target: describeTarget(req),
          now: this.#now,
        });
        if (failure !== undefined) throw failure;
        const acks = (JSON.parse(res.text) as { acks?: Record<string, unknown> }).acks ?? {};
        for (const id of [...pending]) if (acks[String(id)] === true) pending.delete(id);
      } catch (e) {
        if (!(e instanceof AmpError) || !e.retryable)
          throw e instanceof AmpError ? e : toBadResponse(e, this.name);
        lastError = e; // keep polling until the deadline: the indexer may still confirm
      }
    }
  }

  async close(): Promise<void> {
    await this.#life.close()?.close();
  }
}

function toBadResponse(e: unknown, sinkName: string): AmpError {
  return new AmpError(
    'SINK_UNAVAILABLE',
    `sink "${sinkName}": Splunk's ack answer was not the documented JSON`,
    {
      retryable: true,
      cause: e,
      details: {},
    },
  );
}
