/**
 * Precedence (docs/architecture.md, Interfaces): flags > env (`AMPSTREAM_*`) > file > defaults. The file is
 * parsed first; then environment variables and then flags overwrite single settings in the
 * parsed document, before validation, so every value goes through the same schema. Each
 * overwritten path remembers its origin, so an invalid value is reported as
 * "env AMPSTREAM_PREFETCH" or "flag --prefetch" instead of a line of the file.
 */

type Kind = 'int' | 'number' | 'bool' | 'string' | 'listen';

interface OverrideSpec {
  /** dotted config path; `streams.*.x` applies to every stream */
  readonly path: string;
  readonly env: string;
  readonly flag: string;
  readonly kind: Kind;
}

export const overrideSpecs = {
  logLevel: { path: 'log.level', env: 'AMPSTREAM_LOG_LEVEL', flag: '--log-level', kind: 'string' },
  metricsListen: {
    path: 'metrics.listen',
    env: 'AMPSTREAM_METRICS_LISTEN',
    flag: '--metrics-listen',
    kind: 'listen',
  },
  batchMaxEvents: {
    path: 'batch.maxEvents',
    env: 'AMPSTREAM_BATCH_MAX_EVENTS',
    flag: '--batch-max-events',
    kind: 'int',
  },
  batchMaxWaitMs: {
    path: 'batch.maxWaitMs',
    env: 'AMPSTREAM_BATCH_MAX_WAIT_MS',
    flag: '--batch-max-wait-ms',
    kind: 'int',
  },
  dedup: { path: 'dedup.enabled', env: 'AMPSTREAM_DEDUP', flag: '--dedup', kind: 'bool' },
  dedupPath: { path: 'dedup.path', env: 'AMPSTREAM_DEDUP_PATH', flag: '--dedup-path', kind: 'string' },
  deadLetterPath: {
    path: 'deadLetter.path',
    env: 'AMPSTREAM_DEAD_LETTER_PATH',
    flag: '--dead-letter-path',
    kind: 'string',
  },
  prefetch: { path: 'streams.*.prefetch', env: 'AMPSTREAM_PREFETCH', flag: '--prefetch', kind: 'int' },
  maxSinkRetrySeconds: {
    path: 'health.maxSinkRetrySeconds',
    env: 'AMPSTREAM_HEALTH_MAX_SINK_RETRY_SECONDS',
    flag: '--health-max-sink-retry-seconds',
    kind: 'number',
  },
} as const satisfies Record<string, OverrideSpec>;

export type OverrideKey = keyof typeof overrideSpecs;
/** Values from command-line flags (commander gives strings, numbers or booleans). */
export type ConfigFlags = Partial<Record<OverrideKey, string | number | boolean>>;

/** path string (`batch.maxEvents`, `streams[0].prefetch`) → where the value came from */
export type Origins = Map<string, string>;

function parseValue(kind: Kind, v: string | number | boolean): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  switch (kind) {
    case 'int':
    case 'number':
      return s !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(s)) return true;
      if (/^(0|false|no|off)$/i.test(s)) return false;
      return s;
    case 'listen':
      return /^(false|off|none|no)$/i.test(s) ? false : s;
    case 'string':
      return s;
  }
}

/** Apply env then flags onto the parsed document (mutates `doc`, a plain object). */
export function applyOverrides(
  doc: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  flags: ConfigFlags,
): { origins: Origins } {
  const origins: Origins = new Map();
  for (const [key, spec] of Object.entries(overrideSpecs) as [OverrideKey, OverrideSpec][]) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '')
      set(doc, spec, parseValue(spec.kind, fromEnv), `env ${spec.env}`, origins);
    const fromFlag = flags[key];
    if (fromFlag !== undefined) set(doc, spec, parseValue(spec.kind, fromFlag), `flag ${spec.flag}`, origins);
  }
  return { origins };
}

function set(
  doc: Record<string, unknown>,
  spec: OverrideSpec,
  value: unknown,
  origin: string,
  origins: Origins,
): void {
  const parts = spec.path.split('.');
  if (parts[0] === 'streams' && parts[1] === '*') {
    const streams = doc['streams'];
    if (!Array.isArray(streams)) return;
    streams.forEach((s: unknown, i) => {
      if (s !== null && typeof s === 'object') {
        (s as Record<string, unknown>)[parts[2] ?? ''] = value;
        origins.set(`streams[${i}].${parts[2] ?? ''}`, origin);
      }
    });
    return;
  }
  let obj: Record<string, unknown> = doc;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[p] = {};
    obj = obj[p] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1] ?? ''] = value;
  origins.set(spec.path, origin);
}
