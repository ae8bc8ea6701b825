import type { Logger } from 'pino';
import type { EventsPage } from '../api/types.js';
import { AmpError, toAmpError } from '../errors.js';
import { stringifyEventLossless } from '../event/decode.js';
import { derivedKey } from '../event/key.js';
import { silentLogger } from '../telemetry/logger.js';
import { RetryPolicy } from '../util/retry.js';
import type {
  Delivery,
  DeliveryHandler,
  Source,
  SourceEvent,
  SourceOutcome,
  SourceStatus,
} from '../source/types.js';

/**
 * The pipeline's source for a backfill (docs/backfill.md): pages of `GET /v1/events` enter the
 * pipeline as if a stream had delivered them, so they go through the same decode, routes,
 * formats and sinks as `run`. One page is in flight at a time:
 *
 *   fetch page at `offset` → drop events newer than `until` or already delivered (the dedup
 *   stores) → hand the rest to the pipeline → wait until every one is acked (written by every
 *   sink) → remember their ids → `onPageDone` (the checkpoint) → next offset.
 *
 * Paging is newest first with offsets. Events that arrive while a backfill runs are newer than
 * everything in its window, so they are inserted *before* it and only push the window to
 * higher offsets: a page can then repeat events already done (the dedup stores drop them), but
 * no event of the window can move to an offset already passed. So resuming at the checkpoint's
 * offset, even much later, skips nothing that the API still holds.
 */

export interface BackfillWindow {
  /** epoch seconds, inclusive */
  readonly since: number;
  /** epoch seconds, inclusive */
  readonly until: number;
}

export interface PageDone {
  /** offset of the next page */
  readonly nextOffset: number;
  readonly delivered: number;
  readonly duplicates: number;
  /** oldest event time on this page inside the window, epoch seconds */
  readonly oldest: number | undefined;
  /** no more pages */
  readonly last: boolean;
}

export interface BackfillSourceOptions {
  readonly fetchPage: (offset: number) => Promise<EventsPage>;
  readonly window: BackfillWindow;
  /** where to start (a checkpoint's offset, or 0) */
  readonly startOffset: number;
  /**
   * ids of `ids` delivered before (every dedup store of the organisation); none when dedup is
   * off. Asked once per page; a store that cannot answer costs possible duplicates, never a loss.
   */
  readonly seen: (ids: readonly string[]) => Promise<ReadonlySet<string>>;
  /**
   * remember ids written by every sink (into every dedup store): called once per ack, in ack
   * order, one call at a time; the page's checkpoint waits for its last one.
   */
  readonly remember: (ids: readonly string[]) => Promise<void>;
  /** after a page is fully written and remembered: persist the checkpoint here */
  readonly onPageDone: (page: PageDone) => Promise<void>;
  /** (default: base 1 s, cap 60 s) retry of a failed page fetch that is not a 429 */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly logger?: Logger;
}

export interface BackfillCounts {
  pages: number;
  fetched: number;
  delivered: number;
  duplicates: number;
  newerThanUntil: number;
  rateLimitWaits: number;
}

/** Pages in a row with nothing inside the window before a warning is logged. */
const STUCK_PAGES = 20;

interface Pending {
  readonly key: string;
  readonly tag: number;
}

export class BackfillSource implements Source {
  readonly #o: BackfillSourceOptions;
  readonly #log: Logger;
  readonly counts: BackfillCounts = {
    pages: 0,
    fetched: 0,
    delivered: 0,
    duplicates: 0,
    newerThanUntil: 0,
    rateLimitWaits: 0,
  };
  readonly #stop = new AbortController();
  #handler: DeliveryHandler | undefined;
  #tag = 0;
  #acked = 0;
  #unremembered: Pending[] = [];
  /** the remembers not finished yet, chained in ack order (never rejects) */
  #remembering: Promise<void> = Promise.resolve();
  #ackWaiter: (() => void) | undefined;
  #state: SourceStatus['state'] = 'idle';
  #lastError: AmpError | undefined;
  readonly #listeners = new Set<(e: SourceEvent) => void>();
  readonly done: Promise<SourceOutcome>;
  #resolveDone!: (o: SourceOutcome) => void;
  /** Resolves true when every page of the window is done, false when stopped before. */
  readonly finished: Promise<boolean>;
  #resolveFinished!: (complete: boolean) => void;

  constructor(options: BackfillSourceOptions) {
    this.#o = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'backfill' });
    this.done = new Promise((r) => (this.#resolveDone = r));
    this.finished = new Promise((r) => (this.#resolveFinished = r));
  }

  get status(): SourceStatus {
    return {
      state: this.#state,
      connected: this.#state === 'consuming',
      generation: 1,
      reconnects: 0,
      messageCount: undefined,
      consumerCount: undefined,
      lastError: this.#lastError,
    };
  }

  /** Resolves once every remember asked so far has finished (before the dedup stores close). */
  get remembered(): Promise<void> {
    return this.#remembering;
  }

  async start(handler: DeliveryHandler): Promise<void> {
    this.#handler = handler;
    this.#state = 'consuming';
    this.#emit({ type: 'connected', generation: 1, messageCount: 0, consumerCount: 1 });
    void this.#run().then(
      (complete) => this.#resolveFinished(complete),
      (e: unknown) => {
        const error = toAmpError(e);
        this.#lastError = error;
        this.#state = 'failed';
        this.#emit({ type: 'fatal', error });
        this.#resolveFinished(false);
        this.#resolveDone({ kind: 'fatal', error });
      },
    );
  }

  ack(generation: number, tag: number): void {
    if (generation !== 1 || tag <= this.#acked) return;
    this.#acked = tag;
    this.#rememberAcked();
    this.#ackWaiter?.();
  }

  requeueAll(): void {
    // nothing to requeue: what was not acked is not checkpointed, and a resumed run fetches it again
  }

  async cancel(): Promise<void> {
    this.#stop.abort();
    this.#ackWaiter?.();
    if (this.#state === 'consuming') this.#state = 'cancelled';
  }

  async close(): Promise<void> {
    await this.cancel();
    if (this.#state !== 'failed') this.#state = 'closed';
    this.#emit({ type: 'closed' });
    this.#resolveFinished(false);
    this.#resolveDone({ kind: 'closed' });
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: SourceEvent): void {
    for (const l of this.#listeners) l(e);
  }

  /**
   * Acked ids are remembered at once (one store call per ack, chained), so a stop mid-page
   * repeats nothing already written; the page's checkpoint waits for the chain.
   */
  #rememberAcked(): void {
    let n = 0;
    while (n < this.#unremembered.length && (this.#unremembered[n] as Pending).tag <= this.#acked) n++;
    if (n === 0) return;
    const ids = this.#unremembered.slice(0, n).map((p) => p.key);
    this.#unremembered = this.#unremembered.slice(n);
    this.#remembering = this.#remembering
      .then(() => this.#o.remember(ids))
      .catch((e: unknown) => {
        // like the pipeline's own dedup: a failed remember costs a possible duplicate, never a loss
        this.#log.warn({ err: (e as Error).message }, 'dedup store write failed');
      });
  }

  /** The ids of `keys` already delivered; a store that cannot answer costs duplicates, never a loss. */
  async #seen(keys: readonly string[]): Promise<ReadonlySet<string>> {
    if (keys.length === 0) return new Set();
    try {
      return await this.#o.seen(keys);
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'dedup store read failed: writing the page as new');
      return new Set();
    }
  }

  async #run(): Promise<boolean> {
    const { since, until } = this.#o.window;
    let offset = this.#o.startOffset;
    let pagesWithoutWindow = 0;
    while (!this.#stop.signal.aborted) {
      const page = await this.#fetch(offset);
      if (page === undefined) return false;
      this.counts.pages++;
      this.counts.fetched += page.events.length;
      const keys: string[] = [];
      const bodies: Buffer[] = [];
      let oldest: number | undefined;
      let reachedStart = false;
      for (const event of page.events) {
        if (event.timestamp > until) {
          this.counts.newerThanUntil++;
          continue;
        }
        if (event.timestamp < since) {
          reachedStart = true; // newest first: everything after this is older still
          continue;
        }
        oldest = oldest === undefined ? event.timestamp : Math.min(oldest, event.timestamp);
        const body = Buffer.from(stringifyEventLossless(event), 'utf8');
        keys.push(event.id ?? derivedKey(body));
        bodies.push(body);
      }
      // only newer events: they arrive as fast as we page (newest first, no end date to ask for)
      pagesWithoutWindow = keys.length === 0 && !reachedStart ? pagesWithoutWindow + 1 : 0;
      if (pagesWithoutWindow > 0 && pagesWithoutWindow % STUCK_PAGES === 0)
        this.#log.warn(
          { pages: pagesWithoutWindow, offset, total: page.total },
          'backfill: the last pages held only events newer than the window: events arrive about as fast as pages are fetched; a larger --page-size helps',
        );
      const known = await this.#seen(keys);
      const fresh = new Set<string>();
      let lastTag = this.#acked;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (known.has(key) || fresh.has(key)) continue;
        fresh.add(key);
        lastTag = ++this.#tag;
        this.#unremembered.push({ key, tag: lastTag });
        this.#handler?.onDelivery(this.#delivery(bodies[i] as Buffer, lastTag));
      }
      const duplicates = keys.length - fresh.size;
      await this.#ackedUpTo(lastTag);
      await this.#remembering;
      if (this.#stop.signal.aborted && this.#acked < lastTag) return false;
      this.counts.delivered += fresh.size;
      this.counts.duplicates += duplicates;
      offset += page.events.length;
      const last = !page.hasNext || reachedStart || page.events.length === 0;
      await this.#o.onPageDone({ nextOffset: offset, delivered: fresh.size, duplicates, oldest, last });
      this.#log.debug(
        { offset, delivered: fresh.size, duplicates, total: page.total },
        'backfill: page written',
      );
      if (last) return true;
    }
    return false;
  }

  #delivery(body: Buffer, tag: number): Delivery {
    return { body, tag, generation: 1, redelivered: false, routingKey: '', exchange: 'backfill' };
  }

  #ackedUpTo(tag: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#acked >= tag || this.#stop.signal.aborted) {
          this.#ackWaiter = undefined;
          resolve();
        }
      };
      this.#ackWaiter = check;
      check();
    });
  }

  /**
   * One page, retried until it comes or the backfill is stopped: a 429 the API client did not
   * wait out is waited out here (until the reset the server named), other retryable failures
   * back off; a failure that is not retryable (401, 400…) stops the backfill.
   */
  async #fetch(offset: number): Promise<EventsPage | undefined> {
    const policy = new RetryPolicy({
      baseMs: this.#o.retry?.baseMs ?? 1000,
      maxMs: this.#o.retry?.maxMs ?? 60_000,
      minMs: 50,
    });
    const outcome = await policy.run((): Promise<EventsPage> => this.#o.fetchPage(offset), {
      toError: (e) => toAmpError(e),
      signal: this.#stop.signal,
      // a 429 waits until the reset the server named; other retryable failures back off
      next: (err, attempt) => {
        if (err.code !== 'API_RATE_LIMITED')
          return policy.retryable(err) ? policy.delay(attempt - 1, err) : undefined;
        const at = err.details.retryAt === undefined ? NaN : Date.parse(err.details.retryAt);
        if (!Number.isNaN(at)) return Math.max(250, at - Date.now());
        return Math.max(250, err.details.retryAfterMs ?? policy.delay(attempt - 1));
      },
      onRetry: ({ error, delayMs }) => {
        if (error.code === 'API_RATE_LIMITED') this.counts.rateLimitWaits++;
        this.#lastError = error;
        this.#log.warn(
          { code: error.code, err: error.message, offset, retryInMs: delayMs },
          'backfill: page fetch failed; retrying',
        );
      },
    });
    if (outcome.ok) return outcome.value;
    if (outcome.aborted) return undefined;
    throw outcome.error;
  }
}
