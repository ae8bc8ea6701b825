import type { Logger } from 'pino';
import { AmpError, toAmpError } from '../errors.js';
import type { Sink } from '../sinks/types.js';
import { createSource } from '../source/index.js';
import type { Delivery, DeliveryHandler, Source, SourceEvent } from '../source/types.js';
import { silentLogger } from '../telemetry/logger.js';
import { RetryPolicy } from '../util/retry.js';
import { BatchWriter } from './batch.js';
import { DeadLetterBreaker } from './breaker.js';
import { DeadLetterFile } from './dead-letter.js';
import { openDedupStore } from './dedup-open.js';
import type { DedupStore } from './dedup-store.js';
import { PipelineMetrics } from './metrics.js';
import { RouteWriter, StopPipeline } from './route-writer.js';
import {
  DEFAULT_BATCH_MAX_EVENTS,
  DEFAULT_BATCH_MAX_WAIT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type Pipeline,
  type PipelineOptions,
  type PipelineOutcome,
  type PipelineState,
  type PipelineStats,
} from './types.js';

/** (default=60_000) how often the dedup window is pruned, in ms. */
const DEDUP_PRUNE_INTERVAL_MS = 60_000;
/** How long close() waits for an in-flight sink write before closing the sinks, in ms. */
const CLOSE_WAIT_MS = 5_000;

/**
 * The at-least-once pipeline (docs/architecture.md, Delivery contract). Deliveries are cut into
 * batches (count or time); batches are processed one at a time, in delivery order: decode (poison →
 * dead letter), dedup, then every route writes its records (in parallel across routes, each with
 * its own retry); only when all have settled is the batch's last delivery acked with
 * `multiple=true`. Sequential batches make "ack up to the highest fully settled tag" simply "ack
 * the last tag of the batch just settled", and delivery tags rise with delivery order.
 *
 * Memory is bounded by the prefetch window: the broker sends nothing beyond `prefetch`
 * unacked deliveries, so a failing sink stops consumption instead of growing a buffer.
 */
export class DeliveryPipeline implements Pipeline, DeliveryHandler {
  readonly #o: PipelineOptions;
  readonly #log: Logger;
  readonly #source: Source;
  readonly #routes: RouteWriter[];
  readonly #dl: DeadLetterFile;
  readonly #m: PipelineMetrics;
  readonly #maxEvents: number;
  readonly #maxWaitMs: number;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;
  /** Some route needs the lossless event up front (filter, a non-raw format) or dedup is on. */
  readonly #eager: boolean;
  readonly #abort = new AbortController();
  /** Aborted when a drain starts: no retry starts after that. */
  readonly #draining = new AbortController();
  #dedup: DedupStore | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #state: PipelineState = 'idle';
  #pending: Delivery[] = [];
  readonly #ready: Delivery[][] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #idleWaiters: (() => void)[] = [];
  #inFlight = 0;
  readonly #n = { acked: 0, requeued: 0 };
  readonly #batches: BatchWriter;
  readonly done: Promise<PipelineOutcome>;
  #resolveDone!: (o: PipelineOutcome) => void;
  #finished = false;
  #requeuedHeld = false;

  constructor(options: PipelineOptions) {
    this.#o = options;
    const stream = options.metricsLabel ?? options.source.queue;
    this.#log = (options.logger ?? silentLogger).child({ component: 'pipeline', stream });
    this.#now = options.now ?? Date.now;
    this.#maxEvents = Math.max(1, options.batch?.maxEvents ?? DEFAULT_BATCH_MAX_EVENTS);
    this.#maxWaitMs = Math.max(0, options.batch?.maxWaitMs ?? DEFAULT_BATCH_MAX_WAIT_MS);
    // a failing sink or dead-letter file: one line when the streak starts, then every 10th retry
    this.#retry = new RetryPolicy({ ...options.retry, logEvery: 10 });
    this.#eager =
      options.dedup !== undefined ||
      options.routes.some((r) => r.filter !== undefined || r.format.name !== 'raw');
    this.#m = new PipelineMetrics(options.metrics, stream);
    const names = new Set(options.routes.map((r) => r.name));
    if (options.routes.length === 0 || names.size !== options.routes.length) {
      throw new AmpError('CONFIG_INVALID', 'a pipeline needs at least one route, with unique names');
    }
    this.#routes = options.routes.map(
      (route) =>
        new RouteWriter(route, {
          logger: this.#log,
          retry: this.#retry,
          signals: { abort: this.#abort.signal, drain: this.#draining.signal },
          now: this.#now,
          metrics: options.metrics,
          stream,
        }),
    );
    this.#dl = new DeadLetterFile(options.deadLetterPath);
    this.#batches = new BatchWriter({
      eager: this.#eager,
      routes: this.#routes,
      deadLetters: this.#dl,
      dedup: () => this.#dedup,
      metrics: this.#m,
      logger: this.#log,
      retry: this.#retry,
      signals: { abort: this.#abort.signal, drain: this.#draining.signal },
      breaker: new DeadLetterBreaker(options.breaker),
      now: this.#now,
    });
    const logger = options.source.logger ?? options.logger;
    const metrics = options.source.metrics ?? options.metrics;
    this.#source = (options.createSource ?? createSource)({
      ...options.source,
      metricsLabel: stream,
      ...(logger === undefined ? {} : { logger }),
      ...(metrics === undefined ? {} : { metrics }),
    });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new AmpError('INTERNAL', 'pipeline already started');
    this.#state = 'starting';
    try {
      if (this.#o.ownsSinks !== false) for (const sink of this.#sinks()) await sink.start();
      const d = this.#o.dedup;
      if (d !== undefined) {
        this.#dedup = await openDedupStore(d, this.#now);
        await this.#dedup.prune();
        this.#pruneTimer = setInterval(() => void this.#pruneDedup(), DEDUP_PRUNE_INTERVAL_MS).unref();
      }
      void this.#source.done.then((o) => (o.kind === 'fatal' ? this.#stop(o.error) : undefined));
      await this.#source.start(this);
    } catch (e) {
      const err = toAmpError(e);
      await this.#stop(err);
      throw err;
    }
    if (this.#state === 'starting') this.#state = 'running';
  }

  /** Graceful: stop consuming, write and ack what is held, requeue the rest, close. */
  async drain(): Promise<void> {
    if (this.#state === 'draining') return this.close(); // a second request: stop at once
    if (this.#state !== 'running' && this.#state !== 'starting') return this.close();
    this.#state = 'draining';
    this.#log.info({ inFlight: this.#inFlight }, 'draining: consumer cancelled, flushing held batches');
    this.#draining.abort();
    const timeoutMs = this.#o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const deadline = setTimeout(() => this.#abort.abort(), timeoutMs);
    await this.#source.cancel();
    this.#cut();
    const drained = await this.#whenIdle(timeoutMs);
    clearTimeout(deadline);
    if (!drained)
      this.#log.warn(
        { timeoutMs },
        'drain deadline reached: in-flight sink writes aborted; requeueing what is left',
      );
    if (this.#finished) return;
    this.#abort.abort();
    this.#requeueHeld();
    await this.#shutdown();
    this.#finish({ kind: 'drained' });
  }

  /** Immediate: stop now; the broker requeues every unacked delivery (no loss). */
  async close(): Promise<void> {
    if (this.#finished || this.#state === 'closed') return this.#closing;
    this.#state = 'closed';
    this.#closing = this.#closeNow();
    return this.#closing;
  }
  #closing: Promise<void> = Promise.resolve();

  async #closeNow(): Promise<void> {
    this.#abort.abort();
    this.#requeueHeld();
    await this.#source.close();
    await this.#whenIdle(CLOSE_WAIT_MS);
    await this.#shutdown();
    this.#finish({ kind: 'drained' });
  }

  stats(): PipelineStats {
    const s = this.#source.status;
    return {
      state: this.#state,
      connected: s.connected,
      ...this.#batches.counts,
      ...this.#n,
      inFlight: this.#inFlight,
      reconnects: s.reconnects,
      queueDepth: s.messageCount,
      consumerCount: s.consumerCount,
      routes: this.#routes.map((r) => r.stats()),
      ...(this.#batches.holding === undefined ? {} : { breaker: this.#batches.holding }),
    };
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    return this.#source.subscribe(listener);
  }

  // ---- DeliveryHandler (hot path: no promises, no closures per delivery) ----

  onDelivery(delivery: Delivery): void {
    this.#pending.push(delivery);
    this.#inFlight++;
    if (this.#pending.length >= this.#maxEvents) this.#cut();
    else if (this.#pending.length === 1) this.#timer = setTimeout(this.#onTimer, this.#maxWaitMs);
  }

  onChannelLost(generation: number): void {
    // Those deliveries are back in the queue already; writing them would only duplicate.
    const keep = (d: Delivery): boolean => d.generation !== generation;
    const before = this.#pending.length + this.#ready.reduce((a, b) => a + b.length, 0);
    this.#pending = this.#pending.filter(keep);
    for (let i = 0; i < this.#ready.length; i++) this.#ready[i] = (this.#ready[i] as Delivery[]).filter(keep);
    const after = this.#pending.length + this.#ready.reduce((a, b) => a + b.length, 0);
    this.#inFlight -= before - after;
    if (this.#pending.length === 0) this.#clearTimer();
    this.#m.inFlight(this.#inFlight);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#cut();
  };

  #cut(): void {
    this.#clearTimer();
    if (this.#pending.length > 0) {
      this.#ready.push(this.#pending);
      this.#pending = [];
    }
    if (!this.#busy && this.#ready.length > 0) {
      this.#busy = true;
      void this.#pump();
    }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#ready.length > 0 && !this.#abort.signal.aborted && !this.#stopConditionMet()) {
        const batch = this.#ready.shift() as Delivery[];
        if (batch.length === 0) continue;
        const fenced = this.#o.fence?.();
        if (fenced !== undefined) throw new StopPipeline(fenced);
        await this.#batches.process(batch);
        this.#settle(batch[batch.length - 1] as Delivery, batch.length);
        if (this.#stopConditionMet()) break;
      }
    } catch (e) {
      // A StopPipeline while closing or draining on purpose is just the retry loop giving up.
      const onPurpose = this.#abort.signal.aborted || this.#draining.signal.aborted;
      if (!(e instanceof StopPipeline && onPurpose)) {
        const err = e instanceof StopPipeline ? e.error : toAmpError(e);
        if (!(e instanceof StopPipeline)) this.#log.error({ err: err.toJSON() }, 'pipeline failed');
        void this.#stop(err);
      }
    } finally {
      this.#busy = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The caller's stop condition is met: no further batch starts, and the pipeline drains (once). */
  #stopConditionMet(): boolean {
    if (this.#o.stopWhen?.() !== true) return false;
    if (this.#state === 'running' || this.#state === 'starting') void this.drain();
    return true;
  }

  #settle(last: Delivery, n: number): void {
    this.#inFlight -= n;
    const s = this.#source.status;
    if (this.#o.source.mode !== 'peek' && last.generation === s.generation && s.connected) {
      this.#source.ack(last.generation, last.tag);
      this.#n.acked += n;
      this.#m.acked(n);
    }
    this.#m.inFlight(this.#inFlight);
  }

  async #pruneDedup(): Promise<void> {
    try {
      const removed = (await this.#dedup?.prune()) ?? 0;
      if (removed > 0) this.#log.debug({ removed }, 'dedup window pruned');
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'dedup prune failed');
    }
  }

  /** Everything held and not yet acked goes back to the queue now. */
  #requeueHeld(): void {
    this.#clearTimer();
    if (this.#requeuedHeld) return;
    this.#requeuedHeld = true;
    const held = this.#inFlight;
    this.#pending = [];
    this.#ready.length = 0;
    if (held > 0 && this.#o.source.mode !== 'peek') {
      this.#source.requeueAll(this.#source.status.generation);
      this.#n.requeued += held;
      this.#m.requeued(held);
    }
  }

  /** Stop for good with a fatal error (source fatal, stop code from a sink, start failure). */
  async #stop(error: AmpError): Promise<void> {
    if (this.#finished || this.#state === 'closed') return;
    this.#state = 'closed';
    this.#abort.abort();
    this.#requeueHeld();
    await this.#source.close();
    await this.#whenIdle(CLOSE_WAIT_MS);
    await this.#shutdown();
    this.#finish({ kind: 'fatal', error });
  }

  #finish(outcome: PipelineOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#state = 'closed';
    this.#inFlight = 0;
    this.#m.inFlight(0);
    this.#resolveDone(outcome);
  }

  async #shutdown(): Promise<void> {
    this.#clearTimer();
    if (this.#pruneTimer !== undefined) clearInterval(this.#pruneTimer);
    await this.#source.close();
    if (this.#o.ownsSinks !== false) {
      for (const sink of this.#sinks()) {
        await sink
          .close()
          .catch((e: unknown) =>
            this.#log.warn({ sink: sink.name, err: (e as Error).message }, 'sink close failed'),
          );
      }
    }
    await this.#dl.close().catch(() => undefined);
    await this.#dedup?.close();
  }

  #whenIdle(timeoutMs: number): Promise<boolean> {
    // a met stop condition leaves the held batches unwritten: nothing more to wait for
    if (!this.#busy && (this.#ready.length === 0 || this.#o.stopWhen?.() === true))
      return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #sinks(): Sink[] {
    return [...new Set(this.#o.routes.map((r) => r.sink))];
  }
}
