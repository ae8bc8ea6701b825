import type { AmpstreamConfig, StreamConfig } from '../../config/index.js';
import { Backfill } from '../../daemon/backfill.js';
import { orgOf, streamsOfOrg } from '../../daemon/wiring.js';
import { AmpError, isAmpError } from '../../errors.js';
import { createPipeline } from '../../pipeline/index.js';
import type { RunStateStore } from '../../pipeline/run-state.js';
import type { SecretResolver } from '../../secrets/refs.js';
import type { SinkRecord } from '../../sinks/types.js';
import { registeredSinks } from '../../sinks/registry.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { openApi } from '../connection.js';

export interface OnStartDeps {
  readonly runState: RunStateStore;
  readonly resolveSecret: SecretResolver;
  readonly resolveGroups: (names: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  readonly logger: Logger;
  /** (default=none: counters off) the registry /metrics serves, when metrics listen */
  readonly metrics?: Metrics | undefined;
  /** told about every batch the backfill of `org` wrote (the run-state recorder) */
  readonly onWritten: (org: string, batch: readonly SinkRecord[]) => void;
  readonly now?: () => number;
}

/**
 * `backfill: { onStart: true, maxGap }` (docs/backfill.md): before the consumers start, when
 * the newest event delivered is older than maxGap, fetch `[that event's time, now]` from
 * `/v1/events` through the same sinks. It runs *before* consuming, so the backfill and the
 * streams never write at the same time: what the queue still holds is in that window too, is
 * written by the backfill and remembered in the streams' dedup stores, and the consumers then
 * drop it as a duplicate. Events that arrive after `now` are left to the queue. Nothing is
 * backfilled on the very first run (no delivery recorded yet).
 *
 * Filters: the union of the configured streams' own filters (read from the API), so a
 * backfill does not deliver kinds of events the streams never would.
 */
export async function backfillOnStart(config: AmpstreamConfig, deps: OnStartDeps): Promise<void> {
  // every organisation the config's streams belong to, one after the other (each its own login,
  // its own last delivery, its own streams' dedup stores). With replicas (the run state in
  // PostgreSQL) one replica backfills an organisation while the others starting with it wait
  // for it, then find the gap filled and go on.
  const orgs = [...new Set(config.streams.map(orgOf))];
  for (const org of orgs) {
    deps.logger.info(
      { component: 'backfill', org },
      'backfill on start: checking for a gap (with replicas: after any other replica backfilling this organisation)',
    );
    await deps.runState.exclusive(`backfill:${org}`, () => backfillOrg(config, org, deps));
  }
}

async function backfillOrg(config: AmpstreamConfig, org: string, deps: OnStartDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'backfill', org });
  const last = await deps.runState.lastDelivered(org);
  if (last === undefined) {
    log.info('backfill on start: no delivery recorded yet, nothing to catch up');
    return;
  }
  const gapSeconds = Math.floor(now() / 1000) - last.eventTime;
  if (gapSeconds <= config.backfill.maxGap) {
    log.info({ gapSeconds, maxGapSeconds: config.backfill.maxGap }, 'backfill on start: no gap to fill');
    return;
  }
  const since = new Date(last.eventTime * 1000);
  log.warn(
    { since: since.toISOString(), gapSeconds, maxGapSeconds: config.backfill.maxGap },
    'backfill on start: the newest event delivered is older than backfill.maxGap; fetching the gap from /v1/events before consuming',
  );
  let client;
  try {
    client = await openApi({ org, config, retry: { maxRateLimitRetries: 0 } });
  } catch (e) {
    throw new AmpError(
      'CONFIG_INVALID',
      `backfill.onStart needs an API login of organisation ${org} to read /v1/events`,
      {
        cause: e,
        hint: 'run `ampstream login` (`--org NAME` for another organisation; or set AMPSTREAM_CLIENT_ID, AMPSTREAM_API_KEY and AMPSTREAM_REGION), or set backfill.onStart: false',
      },
    );
  }
  try {
    const filters = await streamFilters(streamsOfOrg(config, org), client, log);
    const backfill = new Backfill(config, {
      eventsPage: (q, offset) => client.eventsPage(q, offset),
      createPipeline,
      factories: registeredSinks,
      resolveSecret: deps.resolveSecret,
      logger: deps.logger,
      metrics: deps.metrics,
      resolveGroups: deps.resolveGroups,
      runState: deps.runState,
      onWritten: (_sink, batch) => deps.onWritten(org, batch),
    });
    const until = new Date(now());
    const result = await backfill.run({ org, since, until, ...filters });
    // the whole window is delivered: a replica that waited for this one sees no gap
    if (result.complete) await deps.runState.recordDelivered(org, Math.floor(until.getTime() / 1000));
    log.info(
      {
        delivered: result.counts.delivered,
        duplicates: result.counts.duplicates,
        pages: result.counts.pages,
      },
      'backfill on start: done',
    );
  } finally {
    await client.close();
  }
}

interface StreamFilterSource {
  eventStream(
    id: string,
  ): Promise<{ readonly event_types?: readonly number[]; readonly group_guids?: readonly string[] }>;
}

/** The union of the streams' filters; a stream without one (or unknown) means "everything". */
async function streamFilters(
  streams: readonly StreamConfig[],
  client: StreamFilterSource,
  log: Logger,
): Promise<{ eventTypes?: number[]; groupGuids?: string[] }> {
  const types = new Set<number>();
  const groups = new Set<string>();
  let allTypes = false;
  let allGroups = false;
  for (const s of streams) {
    if (s.id === undefined) {
      allTypes = allGroups = true;
      continue;
    }
    try {
      const view = await client.eventStream(s.id);
      const t = view.event_types ?? [];
      const g = view.group_guids ?? [];
      if (t.length === 0) allTypes = true;
      else t.forEach((x) => types.add(x));
      if (g.length === 0) allGroups = true;
      else g.forEach((x) => groups.add(x));
    } catch (e) {
      if (!isAmpError(e)) throw e;
      log.warn(
        { stream: s.label, code: e.code },
        'backfill on start: cannot read the stream filter; taking all events',
      );
      allTypes = allGroups = true;
    }
  }
  return {
    ...(allTypes || types.size === 0 ? {} : { eventTypes: [...types] }),
    ...(allGroups || groups.size === 0 ? {} : { groupGuids: [...groups] }),
  };
}
