import type { Logger } from 'pino';
import { AmpError, toAmpError } from '../errors.js';
import { decodeEvent, describePoison } from '../event/decode.js';
import { eventKey } from '../event/key.js';
import type { DecodedEvent } from '../event/types.js';
import type { Delivery } from '../source/types.js';
import { sleep, type RetryPolicy } from '../util/retry.js';
import type { DeadLetter, DeadLetterFile } from './dead-letter.js';
import { checkBody, LazyDecodedEvent } from './decode.js';
import type { DedupStore } from './dedup-store.js';
import type { PipelineMetrics } from './metrics.js';
import type { DeadLetterBreaker } from './breaker.js';
import { StopPipeline, type RejectedRecord, type RouteWriter, type StopSignals } from './route-writer.js';

export interface BatchDeps {
  /** Some route needs the lossless event up front (filter, non-raw format) or dedup is on. */
  readonly eager: boolean;
  readonly routes: readonly RouteWriter[];
  readonly deadLetters: DeadLetterFile;
  readonly dedup: () => DedupStore | undefined;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly signals: StopSignals;
  readonly breaker: DeadLetterBreaker;
  readonly now: () => number;
}

/**
 * What happens to one batch between "received" and "may be acked" (docs/architecture.md, Delivery
 * contract): decode (the raw fast path only checks the body and builds the lossless event on
 * demand), poison → dead-letter file (fsynced), dedup, then every route writes its records (routes
 * in parallel, each retrying on its own), then the written ids are remembered for dedup.
 */
export class BatchWriter {
  readonly counts = { delivered: 0, redelivered: 0, deadLettered: 0, duplicates: 0 };
  /** Set while the breaker holds a batch's poison messages. */
  holding: AmpError | undefined;
  readonly #d: BatchDeps;
  readonly #wake: AbortSignal;

  constructor(deps: BatchDeps) {
    this.#d = deps;
    this.#wake = AbortSignal.any([deps.signals.abort, deps.signals.drain]);
  }

  /**
   * Decode, dead-letter the poison, drop duplicates, write every route. Resolves when the
   * whole batch is settled (written, filtered out, duplicate or dead-lettered): the caller
   * may then ack its last delivery. Rejects with StopPipeline to stop the pipeline.
   */
  async process(batch: readonly Delivery[]): Promise<void> {
    const n = batch.length;
    const events: DecodedEvent[] = [];
    const origin: Delivery[] = [];
    const poison: DeadLetter[] = [];
    let redelivered = 0;
    let newest = 0;
    for (let i = 0; i < n; i++) {
      const d = batch[i] as Delivery;
      if (d.redelivered) redelivered++;
      if (this.#d.eager) {
        const r = decodeEvent(d.body);
        if (!r.ok) poison.push(this.#letter(d, r.reason.kind, describePoison(r.reason)));
        else {
          events.push(r.value);
          origin.push(d);
          newest = r.value.event.timestamp;
        }
      } else {
        const r = checkBody(d.body);
        if (!r.ok) poison.push(this.#letter(d, r.reason.kind, describePoison(r.reason)));
        else {
          events.push(new LazyDecodedEvent(d.body));
          origin.push(d);
          newest = r.timestamp;
        }
      }
    }
    this.counts.delivered += n;
    this.counts.redelivered += redelivered;
    this.#d.metrics.received(n, redelivered);

    this.#d.breaker.begin(n);
    const fresh = this.#d.dedup() === undefined ? events : await this.#dropDuplicates(events);
    if (poison.length > 0) {
      await this.#admit(poison.length, 'not events');
      await this.#deadLetter(poison, poisonReasons(poison));
    }
    const reject = async (route: string, rejected: readonly RejectedRecord[]): Promise<void> => {
      const refused = this.#d.breaker.admit(rejected.length, `refused by sink "${route}"`);
      if (refused !== undefined) throw refused;
      await this.#deadLetter(
        this.#rejected(route, rejected, events, origin),
        new Map([['sink-rejected', rejected.length]]),
      );
    };
    const route = async (r: RouteWriter): Promise<void> => {
      const { records, unrenderable } = r.records(fresh);
      if (unrenderable.length > 0) {
        await this.#admit(unrenderable.length, `format of sink "${r.route.name}" failed`);
        const byEvent = new Map<DecodedEvent, Delivery>();
        for (let i = 0; i < events.length; i++) byEvent.set(events[i] as DecodedEvent, origin[i] as Delivery);
        const letters = unrenderable.map(({ event, error }) =>
          this.#letter(byEvent.get(event) as Delivery, 'format-failed', error.message, {
            route: r.route.name,
            error: { code: error.code, message: error.message },
            eventId: eventKey(event),
          }),
        );
        await this.#deadLetter(letters, new Map([['format-failed', letters.length]]));
        r.deadLettered += letters.length;
      }
      await r.write(records, reject);
    };
    if (this.#d.routes.length === 1) await route(this.#d.routes[0] as RouteWriter);
    else await Promise.all(this.#d.routes.map(route));
    if (this.#d.dedup() !== undefined) await this.#remember(fresh);
    this.#d.breaker.commit();
    this.#d.metrics.batch(n, newest > 0 ? this.#d.now() / 1000 - newest : undefined);
  }

  async #dropDuplicates(events: DecodedEvent[]): Promise<DecodedEvent[]> {
    const dedup = this.#d.dedup() as DedupStore;
    const ids = events.map(eventKey);
    let known: Set<string>;
    try {
      known = await dedup.seen(ids);
    } catch (e) {
      // Dedup is best effort: a store that cannot answer costs possible duplicates, never a loss.
      this.#d.logger.warn({ err: (e as Error).message }, 'dedup store read failed: writing the batch as new');
      known = new Set();
    }
    const inBatch = new Set<string>();
    const fresh: DecodedEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const id = ids[i] as string;
      if (known.has(id) || inBatch.has(id)) continue;
      inBatch.add(id);
      fresh.push(events[i] as DecodedEvent);
    }
    const dropped = events.length - fresh.length;
    if (dropped > 0) {
      this.counts.duplicates += dropped;
      this.#d.metrics.duplicates(dropped);
    }
    return fresh;
  }

  async #remember(events: readonly DecodedEvent[]): Promise<void> {
    try {
      await (this.#d.dedup() as DedupStore).remember(events.map(eventKey));
    } catch (e) {
      // Dedup is best effort: a failed remember costs a possible duplicate later, never a loss.
      this.#d.logger.warn({ err: (e as Error).message }, 'dedup store write failed');
    }
  }

  #letter(d: Delivery, kind: string, reason: string, extra: Partial<DeadLetter> = {}): DeadLetter {
    return {
      time: new Date(this.#d.now()).toISOString(),
      kind,
      reason,
      ...extra,
      delivery: { routingKey: d.routingKey, exchange: d.exchange, redelivered: d.redelivered },
      body: d.body.toString('base64'),
    };
  }

  /**
   * The breaker allows `count` more dead letters, or this batch is held here (nothing acked)
   * until the pipeline drains or closes: poison stays poison, so there is nothing to retry.
   */
  async #admit(count: number, what: string): Promise<void> {
    const refused = this.#d.breaker.admit(count, what);
    if (refused === undefined) return;
    this.holding = refused;
    this.#d.logger.error({ err: refused.toJSON() }, 'dead-letter circuit breaker open: holding the stream');
    await sleep(2 ** 31 - 1, this.#wake);
    throw new StopPipeline(refused);
  }

  #rejected(
    route: string,
    rejected: readonly RejectedRecord[],
    events: DecodedEvent[],
    origin: Delivery[],
  ): DeadLetter[] {
    const byEvent = new Map<DecodedEvent, Delivery>();
    for (let i = 0; i < events.length; i++) byEvent.set(events[i] as DecodedEvent, origin[i] as Delivery);
    return rejected.map(({ record: r, error }) => {
      const d = byEvent.get(r.event) as Delivery;
      return this.#letter(d, 'sink-rejected', `sink "${route}" refused the event: ${error.message}`, {
        route,
        error: { code: error.code, message: error.message },
        eventId: eventKey(r.event),
      });
    });
  }

  /** Append with retry: never ack what the dead-letter file does not hold. */
  async #deadLetter(letters: readonly DeadLetter[], byReason: ReadonlyMap<string, number>): Promise<void> {
    const appended = await this.#d.retry.run(() => this.#d.deadLetters.append(letters), {
      signal: this.#wake,
      toError: (e) => toAmpError(e, 'DEAD_LETTER_FAILED', { retryable: true }),
      next: (err, attempt) => this.#d.retry.delay(attempt - 1, err),
      onRetry: ({ error, attempt, loud }) => {
        if (loud)
          this.#d.logger.error(
            { err: error.toJSON(), attempt },
            'cannot write dead letters; holding the batch',
          );
      },
    });
    if (!appended.ok) throw new StopPipeline(appended.error);
    this.counts.deadLettered += letters.length;
    this.#d.metrics.deadLettered(byReason);
    this.#d.logger.warn(
      { count: letters.length, reasons: Object.fromEntries(byReason), path: this.#d.deadLetters.path },
      'dead-lettered',
    );
  }
}

function poisonReasons(letters: readonly DeadLetter[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of letters) m.set(l.kind, (m.get(l.kind) ?? 0) + 1);
  return m;
}
