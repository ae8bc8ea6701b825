import type { Logger } from 'pino';
import {
  compileFilter,
  groupNamesIn,
  type AmpstreamConfig,
  type SinkConfig,
  type StreamConfig,
} from '../config/index.js';
import { AmpError } from '../errors.js';
import { getFormat } from '../formats/index.js';
import { withOrganisation } from '../pipeline/org-label.js';
import type { Route } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import { getSinkFactory } from '../sinks/registry.js';
import type { Sink, SinkFactory, SinkRecord } from '../sinks/types.js';
import { observeWrites } from './observe.js';

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
