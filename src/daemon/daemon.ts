import { filePathProblem } from '../sinks/file/path-check.js';
import type { Logger } from 'pino';
import { DEFAULT_ORG, type AmpstreamConfig, type SinkConfig, type StreamConfig } from '../config/index.js';
import { AmpError, toAmpError } from '../errors.js';
import type { Pipeline, PipelineOptions, PipelineStats, Route } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import type { Sink, SinkFactory, SinkRecord } from '../sinks/types.js';
import { evaluateHealth, type HealthReport } from './health.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RetryPolicy } from '../util/retry.js';
import { SerialSink } from './shared-sink.js';
import type { LeaseKeeper } from '../fleet/keeper.js';
import { observeWrites } from './observe.js';
import { startReplicas } from './replicas.js';
import {
  resolveStreamTarget,
  sourceConnection,
  type StreamTarget,
  type StreamTargetDeps,
} from './stream-target.js';
import {
  createConfiguredSink,
  dedupOptionsFor,
  resolveFilterGroups,
  routesFor,
  sinkTakesStream,
} from './wiring.js';

/**
 * `ampstream run`, minus the process: the sinks (one instance per configured sink, shared by
 * every stream routed to it), one pipeline per stream, health, and how it all ends. The CLI
 * command adds signals, the metrics listener and the exit code.
 *
 * Lifecycle: `start()` (targets → sinks → pipelines) → running → `drain()` (graceful, every
 * pipeline drains, then the sinks close) or `close()` (immediate; the broker redelivers what
 * was not acked). `done` resolves once: `drained`, or `fatal` with the first fatal error of
 * any pipeline (the others are drained first, so nothing written is left unacked).
 *
 * With `replicas` in the config a stream's pipeline runs only while this replica holds the
 * stream's lease (src/fleet/, docs/leases.md): started when the lease is gained, drained when it
 * is given up, closed at once when it is lost; `drain()` gives every lease back first.
 */

export type DaemonOutcome =
  | { readonly kind: 'drained' }
  | { readonly kind: 'fatal'; readonly error: AmpError; readonly stream?: string };

export interface DaemonDeps extends StreamTargetDeps {
  readonly createPipeline: (options: PipelineOptions) => Pipeline;
  readonly factories: readonly SinkFactory[];
  readonly resolveSecret: SecretResolver;
  readonly logger: Logger;
  /** (default=none: counters off) the registry /metrics serves; `run` makes one only when metrics listen */
  readonly metrics?: Metrics | undefined;
  /** group names → GUIDs (through the API); needed only when a filter names groups */
  readonly resolveGroups?: (names: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /** sink start retry backoff (tests shrink it) */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly now?: () => number;
  /** told about every batch a sink accepted (the dashboard's recent events) */
  readonly onWritten?: (sink: string, batch: readonly SinkRecord[]) => void;
  /** told about every batch a sink accepted from this stream (the run state's per-organisation record) */
  readonly onStreamWritten?: (stream: StreamConfig, batch: readonly SinkRecord[]) => void;
}

interface Running {
  /** index in config.streams */
  readonly index: number;
  readonly stream: StreamConfig;
  readonly pipeline: Pipeline;
  /** the broker accepted this stream's credentials at least once in this run */
  connectedOnce: boolean;
  /** stopped on purpose because its lease was lost or given up (not a fatal end) */
  stopping: boolean;
}

/**
 * Cisco stream credentials never change (no rotation, docs/secure-endpoint-api.md §2.5): when the broker
 * refuses credentials that worked earlier in this run, the stream's user is gone — the stream
 * was deleted (the queue goes with it). Report that, with the "stream gone" exit code (69),
 * rather than a generic access refusal (77), which is kept for credentials that never worked.
 */
export function explainFatal(error: AmpError, stream: StreamConfig, connectedOnce: boolean): AmpError {
  if (error.code !== 'AMQP_ACCESS_REFUSED' || !connectedOnce) return error;
  return new AmpError(
    'AMQP_QUEUE_NOT_FOUND',
    `stream ${stream.label}: the broker now refuses credentials it accepted earlier in this run: the stream was most likely deleted`,
    {
      cause: error,
      details: { ...error.details, stream: stream.label, was: error.code },
      hint: 'check with `ampstream streams list`; if the stream is gone, create a new one (`ampstream streams create`) and update the config',
    },
  );
}

export class Daemon {
  readonly #config: AmpstreamConfig;
  readonly #deps: DaemonDeps;
  readonly #log: Logger;
  readonly #sinks = new Map<string, SerialSink>();
  #running: Running[] = [];
  #targets: readonly StreamTarget[] = [];
  #groups: ReadonlyMap<string, string> = new Map();
  /** set when the config has `replicas`: streams run only while their lease is held */
  #leases: LeaseKeeper | undefined;
  readonly #turns = new Map<number, number>();
  #stopping: Promise<void> | undefined;
  #closed = false;
  /** aborted by drain() and close(): ends a sink start retry wait at once */
  readonly #stop = new AbortController();
  readonly #sinkStartRetry: RetryPolicy;
  #fatal: DaemonOutcome | undefined;
  #resolveDone!: (o: DaemonOutcome) => void;
  readonly done: Promise<DaemonOutcome>;

  constructor(config: AmpstreamConfig, deps: DaemonDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'daemon' });
    this.#sinkStartRetry = new RetryPolicy({
      baseMs: deps.retry?.baseMs ?? 500,
      maxMs: deps.retry?.maxMs ?? 30_000,
      minMs: 50,
    });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Resolves when every pipeline has a consumer; rejects with the first fatal error. */
  async start(): Promise<void> {
    const dl = await filePathProblem(this.#config.deadLetter.path);
    if (dl !== undefined)
      throw new AmpError('CONFIG_INVALID', `deadLetter.path: ${dl}`, {
        hint: 'set deadLetter.path to a file in a writable directory',
      });
    const groups = await this.#resolveGroupNames();
    const targets = await Promise.all(this.#config.streams.map((s) => resolveStreamTarget(s, this.#deps)));
    for (const sc of this.#config.sinks) this.#sinks.set(sc.name, new SerialSink(this.#createSink(sc)));
    for (const sink of this.#sinks.values()) await this.#startSink(sink.inner);
    if (this.#closed) return;
    this.#groups = groups;
    this.#targets = targets;
    const replicas = this.#config.replicas;
    if (replicas === undefined) {
      await Promise.all(this.#config.streams.map((_, i) => this.#startStream(i)));
      return;
    }
    if (this.#config.dedup.enabled && this.#config.dedup.store !== 'postgres')
      this.#log.warn(
        'replicas with dedup.store sqlite: each replica remembers only what it delivered itself; use dedup.store postgres',
      );
    this.#leases = await startReplicas({ ...this.#config, replicas }, this.#deps, {
      start: (i, fence) => this.#startStream(i, fence),
      stop: (i, how) => this.#stopStream(i, how),
    });
  }

  /** Start consuming the stream at `index` of the config (at start, or when its lease is gained). */
  async #startStream(index: number, fence?: () => AmpError | undefined): Promise<void> {
    const stream = this.#config.streams[index];
    const t = this.#targets[index];
    if (stream === undefined || t === undefined) throw new AmpError('INTERNAL', 'stream target missing');
    if (this.#closed) return;
    const turn = this.#bump(index);
    const dedup = this.#config.dedup.enabled
      ? { dedup: await dedupOptionsFor(this.#config, stream, this.#deps.resolveSecret) }
      : {};
    if (this.#closed || this.#turns.get(index) !== turn) return; // stopped (lease lost) meanwhile
    if (t.insecure)
      this.#log.warn(
        { stream: t.label },
        'TLS certificate verification is OFF for this stream (insecure: true)',
      );
    // with organisations: the org on every log line of the stream, on its records, in /metrics
    const org = stream.org ?? DEFAULT_ORG;
    const logger = stream.orgLabelled === true ? this.#deps.logger.child({ org }) : this.#deps.logger;
    if (stream.orgLabelled === true) this.#deps.metrics?.streamOrganisation.set({ stream: t.label, org }, 1);
    const metrics = this.#deps.metrics === undefined ? {} : { metrics: this.#deps.metrics };
    const pipeline = this.#deps.createPipeline({
      source: {
        ...sourceConnection(t),
        reconnect: { baseMs: this.#config.reconnect.initialMs, maxMs: this.#config.reconnect.maxMs },
        connectionName: `ampstream run (${t.label})`,
        logger,
        ...metrics,
        metricsLabel: t.label,
      },
      routes: this.#routesFor(stream, this.#groups),
      batch: this.#config.batch,
      ...dedup,
      deadLetterPath: this.#config.deadLetter.path,
      breaker: this.#config.deadLetter.breaker,
      drainTimeoutMs: this.#config.shutdown.drainTimeoutSeconds * 1000,
      ownsSinks: false,
      logger,
      ...metrics,
      metricsLabel: t.label,
      ...(fence === undefined ? {} : { fence }),
      ...(this.#deps.now === undefined ? {} : { now: this.#deps.now }),
    });
    this.#log.info(
      {
        stream: t.label,
        ...(stream.orgLabelled === true ? { org } : {}),
        url: t.redactedUrl,
        queue: t.queue,
      },
      'starting pipeline',
    );
    const r: Running = { index, stream, pipeline, connectedOnce: false, stopping: false };
    this.#running.push(r);
    r.pipeline.subscribe((e) => {
      if (e.type === 'connected') r.connectedOnce = true;
    });
    void r.pipeline.done.then((o) => this.#onPipelineDone(r, o));
    await r.pipeline.start();
  }

  /** Stop consuming the stream at `index` (its lease is lost or given up): drain, or close at once. */
  async #stopStream(index: number, how: 'drain' | 'close'): Promise<void> {
    this.#bump(index);
    const r = this.#running.find((x) => x.index === index);
    if (r === undefined) return;
    r.stopping = true;
    await (how === 'drain' ? r.pipeline.drain() : r.pipeline.close());
    await r.pipeline.done;
    this.#running = this.#running.filter((x) => x !== r);
  }

  /** Each start and stop of a stream is a new turn: a start overtaken by a stop gives up. */
  #bump(index: number): number {
    const turn = (this.#turns.get(index) ?? 0) + 1;
    this.#turns.set(index, turn);
    return turn;
  }

  #routesFor(stream: StreamConfig, groups: ReadonlyMap<string, string>): Route[] {
    const org = stream.orgLabelled === true ? (stream.org ?? DEFAULT_ORG) : undefined;
    const routes = routesFor(this.#config, this.#sinks, groups, (sc) => sinkTakesStream(sc, stream), org);
    const seen = this.#deps.onStreamWritten;
    if (seen === undefined) return routes;
    return routes.map((r) => ({ ...r, sink: observeWrites(r.sink, (_, batch) => seen(stream, batch)) }));
  }

  #createSink(sc: SinkConfig): Sink {
    return createConfiguredSink(sc, { ...this.#deps, onWritten: this.#deps.onWritten });
  }

  /**
   * A sink that is down at start is retried with backoff (the broker keeps the events), until
   * it starts, fails for good, or a drain or close ends the wait.
   */
  async #startSink(sink: Sink): Promise<void> {
    if (this.#closed) return;
    const started = await this.#sinkStartRetry.run(() => sink.start(), {
      signal: this.#stop.signal,
      toError: (e) => toAmpError(e, 'SINK_UNAVAILABLE'),
      onRetry: ({ error, delayMs }) =>
        this.#log.warn(
          { sink: sink.name, code: error.code, err: error.message, retryInMs: delayMs },
          'sink failed to start; retrying',
        ),
    });
    if (!started.ok && !started.aborted) throw started.error;
  }

  #resolveGroupNames(): Promise<ReadonlyMap<string, string>> {
    return resolveFilterGroups(this.#config, this.#deps.resolveGroups);
  }

  #onPipelineDone(r: Running, outcome: Awaited<Pipeline['done']>): void {
    if (outcome.kind !== 'fatal') return;
    if (r.stopping || outcome.error.code === 'LEASE_LOST') {
      this.#log.warn({ stream: r.stream.label, code: outcome.error.code }, 'pipeline stopped: lease lost');
      return;
    }
    const error = explainFatal(outcome.error, r.stream, r.connectedOnce);
    this.#log.error({ stream: r.stream.label, code: error.code, err: error.message }, 'pipeline stopped');
    this.#fatal ??= { kind: 'fatal', error, stream: r.stream.label };
    void this.drain();
  }

  /** Graceful stop: every pipeline drains (acks what was written, requeues the rest), then the sinks close. */
  drain(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stop.abort(); // a sink start retry wait ends now
      await this.#leases?.stop();
      this.#closed = true;
      await Promise.allSettled(this.#running.map((r) => r.pipeline.drain()));
      await this.#closeSinks();
      this.#resolveDone(this.#fatal ?? { kind: 'drained' });
    })();
    return this.#stopping;
  }

  /** Immediate stop: close everything now; the broker redelivers anything unacked. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    await this.#leases?.close();
    await Promise.allSettled(this.#running.map((r) => r.pipeline.close()));
    await this.#closeSinks();
    this.#resolveDone(this.#fatal ?? { kind: 'drained' });
  }

  async #closeSinks(): Promise<void> {
    const results = await Promise.allSettled([...this.#sinks.values()].map((s) => s.inner.close()));
    for (const r of results)
      if (r.status === 'rejected') this.#log.warn({ err: toAmpError(r.reason).message }, 'sink close failed');
  }

  /** Replicas: this replica's name and the streams whose lease it holds; undefined without replicas. */
  leases(): { readonly replica: string; readonly held: readonly string[] } | undefined {
    const k = this.#leases;
    if (k === undefined) return undefined;
    return { replica: k.replica, held: k.held().map((h) => `${h.key.org}/${h.key.stream}`) };
  }

  stats(): { readonly stream: string; readonly stats: PipelineStats }[] {
    return this.#running.map((r) => ({ stream: r.stream.label, stats: r.pipeline.stats() }));
  }

  health(): HealthReport {
    const report = evaluateHealth(this.stats(), {
      maxSinkRetryMs: this.#config.health.maxSinkRetrySeconds * 1000,
      standbyOk: this.#leases !== undefined,
      now: (this.#deps.now ?? Date.now)(),
    });
    const l = this.leases();
    return l === undefined ? report : { ...report, replica: { id: l.replica, leases: l.held } };
  }
}
