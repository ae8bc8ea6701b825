import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventsPage, EventsQuery } from '../api/types.js';
import type { AmpstreamConfig, SinkConfig } from '../config/index.js';
import { AmpError } from '../errors.js';
import { BackfillSource, type BackfillCounts } from '../pipeline/backfill-source.js';
import { openDedupStore } from '../pipeline/dedup-open.js';
import type { DedupStore } from '../pipeline/dedup-store.js';
import type { BackfillCheckpoint, RunStateStore } from '../pipeline/run-state.js';
import type { Pipeline, PipelineOptions } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import type { Sink, SinkFactory, SinkRecord } from '../sinks/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import {
  createConfiguredSink,
  dedupOptionsFor,
  openRunState,
  orgOf,
  resolveFilterGroups,
  routesFor,
  sinkTakesStream,
  streamsOfOrg,
} from './wiring.js';

/**
 * `ampstream backfill`, minus the process (docs/backfill.md): page `GET /v1/events` over a
 * window and deliver what the streams did not, through the config's sinks, formats, filters and
 * dedup stores, resumable from a checkpoint in the run-state store.
 *
 * - The window is `[since, until]`; `until` defaults to the moment the job first started and is
 *   stored with the checkpoint, so a resumed job pages the same window.
 * - Routing: a backfill has no stream of its own. Its events go to every sink that takes the
 *   events of any configured stream of the organisation (the `streams:` list of a sink), each
 *   with its own filter and format; the `stream` label on metrics and logs is `backfill`.
 *   With organisations in the config, records carry the organisation, as `run`'s do.
 * - Dedup: an event counts as delivered when the dedup store of any stream of the organisation
 *   holds its id (the store `run` uses: `dedupOptionsFor`, SQLite file or PostgreSQL scope);
 *   what the backfill writes is remembered in every one of them, so the streams drop it if the
 *   queue still delivers it later. With dedup off, overlapping windows give duplicates.
 */

export interface BackfillRequest {
  /** organisation name (run-state scope and job key); `default` = the one login of today */
  readonly org: string;
  readonly since: Date;
  readonly until?: Date | undefined;
  readonly eventTypes?: readonly number[] | undefined;
  readonly groupGuids?: readonly string[] | undefined;
  /** (default=500) events per page */
  readonly pageSize?: number | undefined;
}

export interface BackfillDeps {
  /** `/v1/events` of the organisation (`SecureEndpointClient.eventsPage`) */
  readonly eventsPage: (query: EventsQuery, offset: number) => Promise<EventsPage>;
  readonly createPipeline: (options: PipelineOptions) => Pipeline;
  readonly factories: readonly SinkFactory[];
  readonly resolveSecret: SecretResolver;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
  readonly resolveGroups?: ((names: readonly string[]) => Promise<ReadonlyMap<string, string>>) | undefined;
  /** (default: `openRunState`: PostgreSQL with dedup.store postgres or replicas, else the SQLite file next to dedup.path) */
  readonly runState?: RunStateStore | undefined;
  /** page fetch retry (tests shrink it) */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number } | undefined;
  readonly now?: (() => number) | undefined;
  /** told about every batch a sink accepted (run's run-state recorder) */
  readonly onWritten?: ((sink: string, batch: readonly SinkRecord[]) => void) | undefined;
}

export interface BackfillResult {
  readonly key: string;
  readonly since: string;
  readonly until: string;
  /** the offset this run started from (> 0: resumed from a checkpoint) */
  readonly resumedFrom: number;
  readonly complete: boolean;
  readonly counts: BackfillCounts;
  /** events delivered by this job over all its runs */
  readonly deliveredTotal: number;
}

/** A job's identity: the same organisation, start, end (when given) and filters resume it. */
export function backfillKey(r: BackfillRequest): string {
  const parts = {
    org: r.org,
    since: Math.floor(r.since.getTime() / 1000),
    until: r.until === undefined ? null : Math.floor(r.until.getTime() / 1000),
    eventTypes: [...(r.eventTypes ?? [])].sort((a, b) => a - b),
    groups: [...(r.groupGuids ?? [])].map((g) => g.toLowerCase()).sort(),
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export class Backfill {
  readonly #config: AmpstreamConfig;
  readonly #deps: BackfillDeps;
  readonly #log: Logger;
  #pipeline: Pipeline | undefined;
  #stopped = false;

  constructor(config: AmpstreamConfig, deps: BackfillDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'backfill' });
  }

  /** Graceful stop: what is written is acked and remembered; the checkpoint stays at the last whole page. */
  async drain(): Promise<void> {
    this.#stopped = true;
    await this.#pipeline?.drain();
  }

  async run(request: BackfillRequest): Promise<BackfillResult> {
    const now = this.#deps.now ?? Date.now;
    if (Number.isNaN(request.since.getTime())) throw new AmpError('USAGE', '--since is not a valid time');
    if (streamsOfOrg(this.#config, request.org).length === 0) {
      const orgs = [...new Set(this.#config.streams.map(orgOf))].join(', ');
      throw new AmpError(
        'USAGE',
        `organisation ${request.org} has no stream in the config: no sink takes its events`,
        {
          hint: `backfill an organisation the config's streams belong to (${orgs}), or add its streams to the config`,
        },
      );
    }
    const key = backfillKey(request);
    const runState = this.#deps.runState ?? (await openRunState(this.#config, this.#deps.resolveSecret));
    const stores: DedupStore[] = [];
    let source: BackfillSource | undefined;
    try {
      const previous = await runState.checkpoint(key);
      const resume = previous !== undefined && !previous.complete ? previous : undefined;
      const since = Math.floor(request.since.getTime() / 1000);
      const until = resume?.until ?? Math.floor((request.until?.getTime() ?? now()) / 1000);
      if (until < since)
        throw new AmpError('USAGE', '--until is before --since', {
          hint: 'give a window that ends after it starts',
        });
      let checkpoint: BackfillCheckpoint = resume ?? {
        key,
        since,
        until,
        offset: 0,
        delivered: 0,
        complete: false,
        updatedAt: now(),
      };
      await runState.saveCheckpoint(checkpoint);
      if (resume !== undefined)
        this.#log.info(
          { key, offset: resume.offset, delivered: resume.delivered },
          'backfill: resuming from the checkpoint',
        );

      if (this.#config.dedup.enabled) {
        // the organisation's streams only: another organisation's events are not these
        for (const stream of streamsOfOrg(this.#config, request.org)) {
          const options = await dedupOptionsFor(this.#config, stream, this.#deps.resolveSecret);
          stores.push(await openDedupStore(options, now));
        }
      } else {
        this.#log.warn('dedup is off: events the streams already delivered will be written again');
      }

      const query: EventsQuery = {
        startDate: new Date(since * 1000),
        ...(request.eventTypes === undefined ? {} : { eventTypes: request.eventTypes }),
        ...(request.groupGuids === undefined ? {} : { groupGuids: request.groupGuids }),
        ...(request.pageSize === undefined ? {} : { limit: request.pageSize }),
      };
      source = new BackfillSource({
        fetchPage: (offset) => this.#deps.eventsPage(query, offset),
        window: { since, until },
        startOffset: checkpoint.offset,
        seen: async (ids) => {
          const known = new Set<string>();
          for (const found of await Promise.all(stores.map(async (s) => s.seen(ids))))
            for (const id of found) known.add(id);
          return known;
        },
        remember: async (ids) => {
          await Promise.all(stores.map(async (s) => s.remember(ids)));
        },
        onPageDone: async (page) => {
          checkpoint = {
            ...checkpoint,
            offset: page.nextOffset,
            delivered: checkpoint.delivered + page.delivered,
            oldestDone:
              page.oldest === undefined
                ? checkpoint.oldestDone
                : Math.min(page.oldest, checkpoint.oldestDone ?? page.oldest),
            complete: page.last,
            updatedAt: now(),
          };
          await runState.saveCheckpoint(checkpoint);
        },
        ...(this.#deps.retry === undefined ? {} : { retry: this.#deps.retry }),
        logger: this.#deps.logger,
      });
      const complete = await this.#deliver(source, request.org);
      if (complete && !checkpoint.complete)
        await runState.saveCheckpoint({ ...checkpoint, complete: true, updatedAt: now() });
      return {
        key,
        since: new Date(since * 1000).toISOString(),
        until: new Date(until * 1000).toISOString(),
        resumedFrom: resume?.offset ?? 0,
        complete,
        counts: source.counts,
        deliveredTotal: checkpoint.delivered,
      };
    } finally {
      await source?.remembered; // the acks of a drain are remembered before the stores close
      for (const s of stores) await s.close();
      if (this.#deps.runState === undefined) await runState.close();
    }
  }

  async #deliver(source: BackfillSource, org: string): Promise<boolean> {
    const groups = await resolveFilterGroups(this.#config, this.#deps.resolveGroups);
    const sinks = new Map<string, Sink>();
    for (const sc of this.#config.sinks)
      if (this.#takes(sc, org)) sinks.set(sc.name, createConfiguredSink(sc, this.#deps));
    const pipeline = this.#deps.createPipeline({
      source: { url: 'backfill:', queue: 'backfill' },
      routes: routesFor(this.#config, sinks, groups, (sc) => this.#takes(sc, org), this.#orgLabel(org)),
      batch: this.#config.batch,
      deadLetterPath: this.#config.deadLetter.path,
      breaker: this.#config.deadLetter.breaker,
      drainTimeoutMs: this.#config.shutdown.drainTimeoutSeconds * 1000,
      logger: this.#deps.logger,
      ...(this.#deps.metrics === undefined ? {} : { metrics: this.#deps.metrics }),
      metricsLabel: 'backfill',
      createSource: () => source,
      ...(this.#deps.now === undefined ? {} : { now: this.#deps.now }),
    });
    this.#pipeline = pipeline;
    if (this.#stopped) return false;
    await pipeline.start();
    const ended = await Promise.race([
      source.finished.then((complete) => ({ kind: 'finished' as const, complete })),
      pipeline.done,
    ]);
    if (ended.kind === 'fatal') throw ended.error;
    await pipeline.drain();
    const outcome = await pipeline.done;
    if (outcome.kind === 'fatal') throw outcome.error;
    return ended.kind === 'finished' && ended.complete;
  }

  /** Every sink that takes the events of some configured stream of the organisation. */
  #takes(sc: SinkConfig, org: string): boolean {
    return streamsOfOrg(this.#config, org).some((s) => sinkTakesStream(sc, s));
  }

  /** With organisations in the config, the records carry the organisation, as `run`'s do. */
  #orgLabel(org: string): string | undefined {
    return streamsOfOrg(this.#config, org).some((s) => s.orgLabelled === true) ? org : undefined;
  }
}
