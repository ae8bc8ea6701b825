import { filePathProblem } from '../sinks/file/path-check.js';
import type { Logger } from 'pino';
import {
  compileFilter,
  groupNamesIn,
  type AmpstreamConfig,
  type SinkConfig,
  type StreamConfig,
} from '../config/index.js';
import { AmpError, toAmpError } from '../errors.js';
import { getFormat } from '../formats/index.js';
import type { Pipeline, PipelineOptions, PipelineStats, Route } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import { getSinkFactory } from '../sinks/registry.js';
import type { Sink, SinkFactory, SinkRecord } from '../sinks/types.js';
import { observeWrites } from './observe.js';
import { evaluateHealth, type HealthReport } from './health.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RetryPolicy } from '../util/retry.js';
import { SerialSink } from './shared-sink.js';
import { resolveStreamTarget, type StreamTargetDeps } from './stream-target.js';

/**
 * `ampstream run`, minus the process: the sinks (one instance per configured sink, shared by
 * every stream routed to it), one pipeline per stream, health, and how it all ends. The CLI
 * command adds signals, the metrics listener and the exit code.
 *
 * Lifecycle: `start()` (targets → sinks → pipelines) → running → `drain()` (graceful, every
 * pipeline drains, then the sinks close) or `close()` (immediate; the broker redelivers what
 * was not acked). `done` resolves once: `drained`, or `fatal` with the first fatal error of
 * any pipeline (the others are drained first, so nothing written is left unacked).
 */

export type DaemonOutcome =
  | { readonly kind: 'drained' }
  | { readonly kind: 'fatal'; readonly error: AmpError; readonly stream?: string };

export interface DaemonDeps extends StreamTargetDeps {
  readonly createPipeline: (options: PipelineOptions) => Pipeline;
  readonly factories: readonly SinkFactory[];
  readonly resolveSecret: SecretResolver;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** group names → GUIDs (through the API); needed only when a filter names groups */
  readonly resolveGroups?: (names: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /** sink start retry backoff (tests shrink it) */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly now?: () => number;
  /** told about every batch a sink accepted (the dashboard's recent events) */
  readonly onWritten?: (sink: string, batch: readonly SinkRecord[]) => void;
}

interface Running {
  readonly stream: StreamConfig;
  readonly pipeline: Pipeline;
  /** the broker accepted this stream's credentials at least once in this run */
  connectedOnce: boolean;
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
    this.#running = this.#config.streams.map((stream, i) => {
      const t = targets[i];
      if (t === undefined) throw new AmpError('INTERNAL', 'stream target missing');
      if (t.insecure)
        this.#log.warn(
          { stream: t.label },
          'TLS certificate verification is OFF for this stream (insecure: true)',
        );
      const pipeline = this.#deps.createPipeline({
        source: {
          url: t.url,
          queue: t.queue,
          ...(t.ca === undefined ? {} : { ca: t.ca }),
          insecure: t.insecure,
          ...(t.proxy === undefined ? {} : { proxy: t.proxy }),
          prefetch: t.prefetch,
          heartbeatSeconds: t.heartbeatSeconds,
          reconnect: { baseMs: this.#config.reconnect.initialMs, maxMs: this.#config.reconnect.maxMs },
          connectionName: `ampstream run (${t.label})`,
          logger: this.#deps.logger,
          metrics: this.#deps.metrics,
          metricsLabel: t.label,
        },
        routes: this.#routesFor(stream, groups),
        batch: this.#config.batch,
        ...(this.#config.dedup.enabled
          ? {
              dedup: {
                path:
                  this.#config.streams.length === 1
                    ? this.#config.dedup.path
                    : `${this.#config.dedup.path}.${t.label}`,
                windowSize: this.#config.dedup.window.events,
                ttlHours: this.#config.dedup.window.hours,
              },
            }
          : {}),
        deadLetterPath: this.#config.deadLetter.path,
        breaker: this.#config.deadLetter.breaker,
        drainTimeoutMs: this.#config.shutdown.drainTimeoutSeconds * 1000,
        ownsSinks: false,
        logger: this.#deps.logger,
        metrics: this.#deps.metrics,
        metricsLabel: t.label,
        ...(this.#deps.now === undefined ? {} : { now: this.#deps.now }),
      });
      this.#log.info({ stream: t.label, url: t.redactedUrl, queue: t.queue }, 'starting pipeline');
      return { stream, pipeline, connectedOnce: false };
    });
    for (const r of this.#running) {
      r.pipeline.subscribe((e) => {
        if (e.type === 'connected') r.connectedOnce = true;
      });
      void r.pipeline.done.then((o) => this.#onPipelineDone(r, o));
    }
    await Promise.all(this.#running.map((r) => r.pipeline.start()));
  }

  #routesFor(stream: StreamConfig, groups: ReadonlyMap<string, string>): Route[] {
    return this.#config.sinks
      .filter(
        (sc) =>
          sc.streams === undefined ||
          sc.streams.includes(stream.id ?? '\0') ||
          sc.streams.includes(stream.name ?? '\0'),
      )
      .map((sc) => {
        const sink = this.#sinks.get(sc.name);
        if (sink === undefined) throw new AmpError('INTERNAL', `sink ${sc.name} missing`);
        const guids = sc.filter?.groups?.map((g) => groups.get(g) ?? g);
        const filter = compileFilter(sc.filter, guids);
        return {
          name: sc.name,
          sink,
          format: getFormat(sc.format),
          ...(filter === undefined ? {} : { filter }),
        };
      });
  }

  #createSink(sc: SinkConfig): Sink {
    const factory = getSinkFactory(sc.type, this.#deps.factories);
    const sink = factory.create(sc.options, {
      name: sc.name,
      format: getFormat(sc.format),
      logger: this.#deps.logger.child({ component: 'sink', sink: sc.name }),
      resolveSecret: this.#deps.resolveSecret,
    });
    return this.#deps.onWritten === undefined ? sink : observeWrites(sink, this.#deps.onWritten);
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

  async #resolveGroupNames(): Promise<ReadonlyMap<string, string>> {
    const names = [...new Set(this.#config.sinks.flatMap((s) => groupNamesIn(s.filter)))];
    if (names.length === 0) return new Map();
    if (this.#deps.resolveGroups === undefined) {
      throw new AmpError(
        'CONFIG_INVALID',
        `sink filters name groups (${names.join(', ')}) but no API login is available to resolve them`,
        {
          hint: 'use group GUIDs in `filter.groups` (`ampstream groups` lists them), or `ampstream login` first',
        },
      );
    }
    return this.#deps.resolveGroups(names);
  }

  #onPipelineDone(r: Running, outcome: Awaited<Pipeline['done']>): void {
    if (outcome.kind !== 'fatal') return;
    const error = explainFatal(outcome.error, r.stream, r.connectedOnce);
    this.#log.error({ stream: r.stream.label, code: error.code, err: error.message }, 'pipeline stopped');
    this.#fatal ??= { kind: 'fatal', error, stream: r.stream.label };
    void this.drain();
  }

  /** Graceful stop: every pipeline drains (acks what was written, requeues the rest), then the sinks close. */
  drain(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#closed = true;
      this.#stop.abort();
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
    await Promise.allSettled(this.#running.map((r) => r.pipeline.close()));
    await this.#closeSinks();
    this.#resolveDone(this.#fatal ?? { kind: 'drained' });
  }

  async #closeSinks(): Promise<void> {
    const results = await Promise.allSettled([...this.#sinks.values()].map((s) => s.inner.close()));
    for (const r of results)
      if (r.status === 'rejected') this.#log.warn({ err: toAmpError(r.reason).message }, 'sink close failed');
  }

  stats(): { readonly stream: string; readonly stats: PipelineStats }[] {
    return this.#running.map((r) => ({ stream: r.stream.label, stats: r.pipeline.stats() }));
  }

  health(): HealthReport {
    return evaluateHealth(this.stats(), {
      maxSinkRetryMs: this.#config.health.maxSinkRetrySeconds * 1000,
      now: (this.#deps.now ?? Date.now)(),
    });
  }
}
