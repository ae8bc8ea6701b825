import type { Logger } from 'pino';
import {
  compileFilter,
  DEFAULT_ORG,
  groupNamesIn,
  type AmpstreamConfig,
  type SinkConfig,
  type StreamConfig,
} from '../config/index.js';
import { AmpError } from '../errors.js';
import { getFormat } from '../formats/index.js';
import { withOrganisation } from '../pipeline/org-label.js';
import type { RunStateStore } from '../pipeline/run-state.js';
import type { DedupOptions, Route } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import { getSinkFactory } from '../sinks/registry.js';
import type { Sink, SinkFactory, SinkRecord } from '../sinks/types.js';
import { observeWrites } from './observe.js';
import { leaseKeyOf, postgresUrl } from './replicas.js';

/**
 * How a config becomes sinks, routes and dedup files: one place, so `run` (the daemon) and
 * `backfill` deliver through exactly the same sinks, formats, filters and dedup stores.
 */

export interface SinkWiringDeps {
  readonly factories: readonly SinkFactory[];
  readonly resolveSecret: SecretResolver;
  readonly logger: Logger;
  /** told about every batch a sink accepted */
  readonly onWritten?: ((sink: string, batch: readonly SinkRecord[]) => void) | undefined;
}

export function createConfiguredSink(sc: SinkConfig, deps: SinkWiringDeps): Sink {
  const factory = getSinkFactory(sc.type, deps.factories);
  const sink = factory.create(sc.options, {
    name: sc.name,
    format: getFormat(sc.format),
    logger: deps.logger.child({ component: 'sink', sink: sc.name }),
    resolveSecret: deps.resolveSecret,
  });
  return deps.onWritten === undefined ? sink : observeWrites(sink, deps.onWritten);
}

/** The sink takes this stream's events: it lists no streams, or lists this one by id, name or label (`<org>:<name>`). */
export function sinkTakesStream(sc: SinkConfig, stream: StreamConfig): boolean {
  return (
    sc.streams === undefined ||
    sc.streams.includes(stream.id ?? '\0') ||
    sc.streams.includes(stream.name ?? '\0') ||
    sc.streams.includes(stream.label)
  );
}

/**
 * The routes of the sinks `takes` selects, each with its format and compiled filter; with `org`
 * (a config that declares organisations) every record carries the organisation.
 */
export function routesFor(
  config: AmpstreamConfig,
  sinks: ReadonlyMap<string, Sink>,
  groups: ReadonlyMap<string, string>,
  takes: (sc: SinkConfig) => boolean,
  org?: string,
): Route[] {
  return config.sinks.filter(takes).map((sc) => {
    const sink = sinks.get(sc.name);
    if (sink === undefined) throw new AmpError('INTERNAL', `sink ${sc.name} missing`);
    const guids = sc.filter?.groups?.map((g) => groups.get(g) ?? g);
    const filter = compileFilter(sc.filter, guids);
    const format = getFormat(sc.format);
    return {
      name: sc.name,
      sink,
      format: org === undefined ? format : withOrganisation(format, org),
      ...(filter === undefined ? {} : { filter }),
    };
  });
}

/** Group names used in sink filters → GUIDs (an empty map when no filter names a group). */
export async function resolveFilterGroups(
  config: AmpstreamConfig,
  resolveGroups: ((names: readonly string[]) => Promise<ReadonlyMap<string, string>>) | undefined,
): Promise<ReadonlyMap<string, string>> {
  const names = [...new Set(config.sinks.flatMap((s) => groupNamesIn(s.filter)))];
  if (names.length === 0) return new Map();
  if (resolveGroups === undefined) {
    throw new AmpError(
      'CONFIG_INVALID',
      `sink filters name groups (${names.join(', ')}) but no API login is available to resolve them`,
      {
        hint: 'use group GUIDs in `filter.groups` (`ampstream groups` lists them), or `ampstream login` first',
      },
    );
  }
  return resolveGroups(names);
}

/** A stream's dedup file: `dedup.path` for a single stream, `<dedup.path>.<label>` for several. */
export function dedupPathFor(config: AmpstreamConfig, label: string): string {
  return config.streams.length === 1 ? config.dedup.path : `${config.dedup.path}.${label}`;
}

/** The organisation of a stream (`default` when it names none). */
export function orgOf(stream: StreamConfig): string {
  return stream.org ?? DEFAULT_ORG;
}

/**
 * The configured streams of one organisation. A config that names no organisation (no
 * `organisations:`, no stream `org`) is one organisation, whichever login serves it: all its
 * streams.
 */
export function streamsOfOrg(config: AmpstreamConfig, org: string): StreamConfig[] {
  if (config.organisations.length === 0 && !config.streams.some((s) => s.orgLabelled === true))
    return [...config.streams];
  return config.streams.filter((s) => orgOf(s) === org);
}

/**
 * A stream's dedup store, as `run`'s pipeline and `backfill` both open it: with `dedup.store:
 * postgres` the shared table under the scope `<org>/<stream id>` (the stream's lease key, so a
 * takeover and a backfill see the same ids), else the SQLite file `dedupPathFor` names.
 */
export async function dedupOptionsFor(
  config: AmpstreamConfig,
  stream: StreamConfig,
  resolveSecret: SecretResolver,
): Promise<DedupOptions> {
  const d = config.dedup;
  const window = { windowSize: d.window.events, ttlHours: d.window.hours };
  if (d.store === 'postgres' && d.url !== undefined) {
    const key = leaseKeyOf(stream);
    const url = await postgresUrl(d.url, resolveSecret);
    return {
      path: d.path,
      ...window,
      postgres: { url, schema: d.schema, scope: `${key.org}/${key.stream}` },
    };
  }
  return { path: dedupPathFor(config, stream.label), ...window };
}

/**
 * The run state (last delivery per organisation, backfill checkpoints) where the fleet shares
 * it: PostgreSQL (the dedup store's URL and schema) with `dedup.store: postgres`, else the
 * replicas' database when `replicas:` is configured, else the SQLite file next to `dedup.path`.
 * pg and better-sqlite3 load only here, on demand (`run` opens it only for `backfill.onStart`).
 */
export async function openRunState(
  config: AmpstreamConfig,
  resolveSecret: SecretResolver,
): Promise<RunStateStore> {
  const d = config.dedup;
  const shared =
    d.store === 'postgres' && d.url !== undefined
      ? { url: d.url, schema: d.schema }
      : config.replicas === undefined
        ? undefined
        : { url: config.replicas.url, schema: config.replicas.schema };
  if (shared === undefined) {
    const { runStatePathFor, SqliteRunStateStore } = await import('../pipeline/run-state.js');
    return new SqliteRunStateStore(runStatePathFor(d.path));
  }
  const { PostgresRunStateStore } = await import('../pipeline/run-state-postgres.js');
  return PostgresRunStateStore.open({
    url: await postgresUrl(shared.url, resolveSecret),
    schema: shared.schema,
  });
}
