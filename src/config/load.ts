import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { AmpError } from '../errors.js';
import { isSecretRef } from '../secrets/refs.js';
import type { SinkFactory } from '../sinks/types.js';
import { DEFAULT_CONFIG_PATH } from './defaults.js';
import { formatPath, locate, type ConfigPath } from './locate.js';
import { applyOverrides, type ConfigFlags, type Origins } from './overrides.js';
import { DEFAULT_ORG, buildConfigSchema, unknownTypeMessage, type ParsedConfig } from './schema.js';
import { findPlainSecrets } from './secrets.js';
import type {
  AmpstreamConfig,
  ConfigIssue,
  OrganisationConfig,
  ReplicasConfig,
  SinkConfig,
  StreamConfig,
} from './types.js';

export interface LoadConfigOptions {
  /** --config; else AMPSTREAM_CONFIG; else ./ampstream.yaml */
  readonly path?: string;
  /** (default=process.env) */
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: ConfigFlags;
  /** the sink registry (injected so tests can use their own) */
  readonly factories: readonly SinkFactory[];
}

export interface LoadedConfig {
  readonly config: AmpstreamConfig;
  /** absolute path of the file read */
  readonly path: string;
  /** the document after env/flag overrides, before validation (secret refs only, no values) */
  readonly raw: Record<string, unknown>;
  /** where a config path is written (file line:column, or the env variable / flag it came from) */
  issueAt(path: ConfigPath, message: string): ConfigIssue;
}

export function configPathFrom(path: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(path ?? env['AMPSTREAM_CONFIG'] ?? DEFAULT_CONFIG_PATH);
}

/** Read, parse and validate `ampstream.yaml`. Throws CONFIG_NOT_FOUND or CONFIG_INVALID. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const path = configPathFrom(options.path, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AmpError('CONFIG_NOT_FOUND', `cannot read the config file ${path}`, {
      cause: e,
      hint: 'pass --config FILE (or set AMPSTREAM_CONFIG); examples/ampstream.yaml is a commented starting point',
    });
  }
  return parseConfig(text, { ...options, path, env });
}

/** Parse and validate config text; `path` names the file in messages and anchors relative paths. */
export function parseConfig(
  text: string,
  options: LoadConfigOptions & { readonly path: string },
): LoadedConfig {
  const env = options.env ?? process.env;
  const label = options.path;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const pos = lines.linePos(e.pos[0]);
      return {
        source: label,
        line: pos.line,
        col: pos.col,
        path: '(yaml)',
        message: e.message.split('\n')[0] ?? e.code,
      };
    });
    throw configError(label, issues);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    // e.g. "Excessive alias count indicates a resource exhaustion attack" (a YAML alias bomb)
    throw configError(label, [
      {
        source: label,
        line: 1,
        col: 1,
        path: '(yaml)',
        message: (e as Error).message.split('\n')[0] ?? 'bad YAML',
      },
    ]);
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) {
    throw configError(label, [
      {
        source: label,
        line: 1,
        col: 1,
        path: '(root)',
        message: 'the config must be a mapping (key: value)',
      },
    ]);
  }
  const raw = js as Record<string, unknown>;
  const { origins } = applyOverrides(raw, env, options.flags ?? {});
  const issues: ConfigIssue[] = [];
  const where = (path: ConfigPath, atKey = false): Pick<ConfigIssue, 'source' | 'line' | 'col'> => {
    const origin = originOf(origins, path);
    if (origin !== undefined) return { source: origin };
    const pos = locate(doc, lines, path, atKey);
    return pos === undefined ? { source: label } : { source: label, line: pos.line, col: pos.col };
  };
  for (const s of findPlainSecrets(raw))
    issues.push({ ...where(s.path), path: formatPath(s.path), message: s.message });
  const result = buildConfigSchema(options.factories).safeParse(raw);
  if (!result.success) issues.push(...zodIssues(result.error.issues, raw, where, options.factories));
  if (issues.length > 0 || !result.success) throw configError(label, dedupe(issues));
  return {
    config: normalise(result.data, dirname(options.path)),
    path: options.path,
    raw,
    issueAt: (path, message) => ({ ...where(path), path: formatPath(path), message }),
  };
}

function originOf(origins: Origins, path: ConfigPath): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const o = origins.get(formatPath(path.slice(0, n)));
    if (o !== undefined) return o;
  }
  return undefined;
}

type Where = (path: ConfigPath, atKey?: boolean) => Pick<ConfigIssue, 'source' | 'line' | 'col'>;

function zodIssues(
  zissues: readonly z.core.$ZodIssue[],
  raw: unknown,
  where: Where,
  factories: readonly SinkFactory[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zissues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const p = [...path, key];
        out.push({
          ...where(p, true),
          path: formatPath(p),
          message: 'unknown setting (check the spelling; see `ampstream config schema`)',
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
      out.push({
        ...where(path),
        path: formatPath(path),
        message: unknownTypeMessage(
          valueAt(raw, path),
          factories.map((f) => f.type),
        ),
      });
      continue;
    }
    const missing = issue.code === 'invalid_type' && valueAt(raw, path) === undefined;
    out.push({
      ...where(path),
      path: formatPath(path),
      message: missing ? `required setting is missing (${issue.expected})` : issue.message,
    });
  }
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Unique by path and message, in file order (values from env/flags last). */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const k = `${i.path}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const rank = (i: ConfigIssue): number => (i.line ?? Number.MAX_SAFE_INTEGER) * 10_000 + (i.col ?? 0);
  return unique.sort((a, b) => rank(a) - rank(b));
}

export function formatIssue(i: ConfigIssue): string {
  const at = i.line === undefined ? i.source : `${i.source}:${i.line}:${i.col ?? 1}`;
  return `${at} ${i.path}: ${i.message}`;
}

export function configError(label: string, issues: readonly ConfigIssue[]): AmpError {
  const n = issues.length;
  return new AmpError(
    'CONFIG_INVALID',
    `${label}: ${n} configuration error${n === 1 ? '' : 's'}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
    {
      hint: 'fix the settings above; `ampstream config check` validates without running, `ampstream config schema` prints the JSON Schema',
      details: { issues },
    },
  );
}

const COMMON_SINK_KEYS = new Set(['name', 'format', 'filter', 'streams']);
/** Sink option keys treated as file paths (resolved against the config file's directory). */
const PATH_KEY = /^(path|dir|directory|ca|cert|key)$|(Path|File|Dir)$/;

function normalise(c: ParsedConfig, dir: string): AmpstreamConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));
  const organisations: OrganisationConfig[] = (c.organisations ?? []).map(
    (o) =>
      Object.fromEntries(
        Object.entries({ ...o, ca: o.ca === undefined ? undefined : abs(o.ca) }).filter(
          ([, v]) => v !== undefined,
        ),
      ) as unknown as OrganisationConfig,
  );
  const orgOf = new Map(organisations.map((o) => [o.name, o]));
  const streams: StreamConfig[] = c.streams.map((s) => ({
    label: `${s.org === DEFAULT_ORG ? '' : `${s.org}:`}${s.name ?? s.id ?? s.amqp?.queue ?? 'stream'}`,
    org: s.org,
    orgLabelled: organisations.length > 0 || s.org !== DEFAULT_ORG,
    declared: s.id === undefined && s.amqp === undefined,
    ...(s.eventTypes === undefined ? {} : { eventTypes: s.eventTypes }),
    ...(s.groups === undefined ? {} : { groups: s.groups }),
    ...(s.id === undefined ? {} : { id: s.id }),
    ...(s.name === undefined ? {} : { name: s.name }),
    ...(s.amqp === undefined
      ? {}
      : {
          amqp: {
            ...s.amqp,
            ...(s.amqp.port === undefined ? {} : { port: Number(s.amqp.port) }),
          } as StreamConfig['amqp'] & object,
        }),
    // a stream inherits its organisation's extra CA and proxy unless it sets its own
    ...(s.ca !== undefined ? { ca: abs(s.ca) } : withCa(orgOf.get(s.org)?.ca)),
    insecure: s.insecure,
    ...(s.proxy === undefined ? withProxy(orgOf.get(s.org)?.proxy) : { proxy: s.proxy }),
    prefetch: s.prefetch,
    heartbeatSeconds: s.heartbeatSeconds,
  }));
  const sinks: SinkConfig[] = (c.sinks as Record<string, unknown>[]).map((s) => {
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s))
      if (!COMMON_SINK_KEYS.has(k)) options[k] = absolutePaths(k, v, abs);
    return {
      name: s['name'] as string,
      type: s['type'] as string,
      format: s['format'] as SinkConfig['format'],
      ...(s['filter'] === undefined ? {} : { filter: s['filter'] as SinkConfig['filter'] & object }),
      ...(s['streams'] === undefined ? {} : { streams: (s['streams'] as (string | number)[]).map(String) }),
      options: options as SinkConfig['options'],
    };
  });
  return {
    organisations,
    streams,
    sinks,
    batch: c.batch,
    dedup: {
      enabled: c.dedup.enabled,
      store: c.dedup.store,
      path: abs(c.dedup.path),
      ...(c.dedup.url === undefined ? {} : { url: c.dedup.url }),
      schema: c.dedup.schema,
      window: c.dedup.window,
    },
    ...(c.replicas === undefined ? {} : { replicas: replicasConfig(c.replicas) }),
    deadLetter: { path: abs(c.deadLetter.path), breaker: c.deadLetter.breaker },
    metrics: {
      listen: c.metrics.listen === false ? false : parseListen(c.metrics.listen),
      dashboard: {
        enabled: c.metrics.dashboard.enabled,
        ...(c.metrics.dashboard.token === undefined ? {} : { token: c.metrics.dashboard.token }),
        payloads: c.metrics.dashboard.payloads,
      },
    },
    health: c.health,
    log: c.log,
    shutdown: c.shutdown,
    reconnect: c.reconnect,
    backfill: c.backfill,
  };
}

function replicasConfig(r: {
  store: 'postgres';
  url: string;
  schema: string;
  id?: string | undefined;
  leaseSeconds: number;
  renewSeconds: number;
}): ReplicasConfig {
  const { id, ...rest } = r;
  return { ...rest, ...(id === undefined ? {} : { id }) };
}

function withCa(ca: string | undefined): { ca?: string } {
  return ca === undefined ? {} : { ca };
}

function withProxy(proxy: string | undefined): { proxy?: string } {
  return proxy === undefined ? {} : { proxy };
}

/** File paths in sink options (`path`, `tls.ca`, `keyFile`…) made absolute; secret refs and URLs untouched. */
function absolutePaths(key: string, value: unknown, abs: (p: string) => string): unknown {
  if (typeof value === 'string')
    return PATH_KEY.test(key) && !value.includes('://') && !isSecretRef(value) ? abs(value) : value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || key === 'headers') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, absolutePaths(k, v, abs)]));
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '127.0.0.1' : host, port: Number(listen.slice(i + 1)) };
}

export type { Document };
