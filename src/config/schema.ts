import { z } from 'zod';
import { getFormat } from '../formats/index.js';
import { formatNames } from '../formats/types.js';
import type { SinkFactory } from '../sinks/types.js';
import * as d from './defaults.js';
import { parseDurationSeconds } from '../util/duration.js';
import { filterSchema } from './filter.js';
import { isSecretRef } from '../secrets/refs.js';
import { secretRef } from './secrets.js';

/**
 * The one schema of `ampstream.yaml` (docs/architecture.md, Interfaces). Built from the sink
 * registry, so a sink added to `src/sinks/registry.ts` appears in the config (and in `ampstream
 * config schema`) without touching this file. Every object is strict: a misspelt key is an error
 * with its line, not a silently ignored setting.
 */

const streamId = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/, 'a stream id is a positive integer')])
  .transform((v) => String(v))
  .meta({ description: 'event stream id (as listed by `ampstream streams list`)' });

/** An HTTP proxy URL without a password, or a secret reference holding the whole URL. */
export const proxySetting = z
  .string()
  .refine((v) => isSecretRef(v) || /^http:\/\/([^\s/@:]+@)?[^\s/@]+\/?$/i.test(v), {
    message:
      'an http://[user@]host:port URL, or a reference (env:NAME, file:PATH, vault:NAME) holding http://user:password@host:port',
  })
  .meta({
    description:
      'HTTP proxy for AMQPS (CONNECT tunnel, TLS end to end): http://[user@]host:port, or env:NAME|file:PATH|vault:NAME holding http://user:password@host:port. (default=the `ampstream login` proxy for streams of that API, else https_proxy/HTTPS_PROXY/http_proxy/HTTP_PROXY unless no_proxy/NO_PROXY names the host)',
  });

/** A PostgreSQL URL without a password, or a secret reference holding the whole URL. */
const postgresUrl = z
  .string()
  .refine((v) => isSecretRef(v) || /^postgres(ql)?:\/\/[^\s]+$/.test(v), {
    message:
      'a postgres://user@host:port/database URL, or a reference (env:NAME, file:PATH, vault:NAME) holding one with its password',
  })
  .meta({
    description:
      'postgres://user@host:port/database, or env:NAME|file:PATH|vault:NAME holding the URL with its password',
  });

const sqlIdentifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,39}$/, 'lower-case letters, digits and "_", at most 40 characters');

/** N copies of `ampstream run` on one config share its streams under leases (docs/leases.md). */
const replicasSchema = z
  .strictObject({
    store: z.literal('postgres').default('postgres'),
    url: postgresUrl,
    schema: sqlIdentifier
      .default(d.DEFAULT_FLEET_SCHEMA)
      .meta({ description: '(default=ampstream) created if missing' }),
    id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'this replica in logs, metrics and the lease table (default=hostname-pid)' }),
    leaseSeconds: z.number().min(1).max(3600).default(d.DEFAULT_LEASE_SECONDS).meta({
      description: 'a lease not renewed for this long may be taken over by a standby',
    }),
    renewSeconds: z.number().positive().max(600).default(d.DEFAULT_LEASE_RENEW_SECONDS).meta({
      description: 'renew, heartbeat and look for free streams this often',
    }),
  })
  .superRefine((r, ctx) => {
    if (r.leaseSeconds < 2 * r.renewSeconds + 1)
      ctx.addIssue({
        code: 'custom',
        path: ['leaseSeconds'],
        message:
          'leaseSeconds must be at least 2 × renewSeconds + 1: the holder stops consuming after leaseSeconds − renewSeconds − 1 s without a renewal',
      });
  });

const port = z.union([z.number().int().min(1).max(65535), z.string().regex(/^\d{1,5}$/, 'a port number')]);

/** Explicit AMQP settings, instead of the credentials stored in the vault at `stream/<id>`. */
const amqpSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^amqps?:\/\/[^\s]+$/, 'an amqp:// or amqps:// URL (without the password)')
      .optional()
      .meta({ description: 'amqps://user@host:port[/vhost]; the password goes in `password`' }),
    host: z.string().min(1).optional(),
    port: port.optional().meta({ description: '(default=443 for amqps, 5672 for amqp)' }),
    proto: z
      .enum(['amqps', 'amqp', 'https'])
      .optional()
      .meta({ description: '(default=amqps) "https" is what the Cisco API returns and means amqps' }),
    user: z.string().min(1).optional(),
    password: secretRef().optional(),
    queue: z.string().min(1).optional().meta({ description: '(default=event_stream_<id>)' }),
  })
  .superRefine((a, ctx) => {
    if (a.url === undefined && a.host === undefined) {
      ctx.addIssue({ code: 'custom', message: 'set either `url` or `host` (with port, user, password)' });
    }
    if (a.url !== undefined && a.host !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: '`url` and `host` are mutually exclusive' });
    }
    if (a.host !== undefined && (a.user === undefined || a.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'with `host`, set `user` and `password` (env:NAME, file:PATH or vault:NAME)',
      });
    }
  });

/** An organisation's name: a label in logs, metrics, records and the vault entry `api/<name>`. */
export const orgName = z
  .string()
  .regex(/^[a-z0-9_-]+$/, 'an organisation name is a label: lower-case letters, digits, "_" and "-"');

/** The organisation every stream and API command uses unless told otherwise. */
export const DEFAULT_ORG = 'default';

/**
 * One Secure Endpoint organisation (docs/fleet.md). Its API login: `clientId` + `apiKey` (a
 * secret reference) + `region` or `apiUrl`; or, all three omitted, the vault entry
 * `api/<name>` written by `ampstream login --org <name>`.
 */
const organisationSchema = z
  .strictObject({
    name: orgName.meta({ description: 'label of the organisation (logs, metrics, records, `--org`)' }),
    region: z
      .enum(['nam', 'eu', 'apjc'])
      .optional()
      .meta({ description: 'Cisco cloud of the organisation; exclusive with apiUrl' }),
    apiUrl: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'an https:// URL')
      .optional()
      .meta({ description: 'API base URL (private cloud, emulator); exclusive with region' }),
    clientId: z.string().min(1).optional().meta({ description: '(default=from the vault entry api/<name>)' }),
    apiKey: secretRef()
      .optional()
      .meta({ description: 'env:NAME, file:PATH or vault:NAME holding the API key (with clientId)' }),
    proxy: proxySetting.optional(),
    ca: z.string().min(1).optional().meta({
      description: 'PEM file of an extra CA for its API and (unless a stream sets one) its streams',
    }),
  })
  .superRefine((o, ctx) => {
    if (o.region !== undefined && o.apiUrl !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['apiUrl'],
        message: '`region` and `apiUrl` are mutually exclusive',
      });
    if ((o.clientId === undefined) !== (o.apiKey === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [o.clientId === undefined ? 'clientId' : 'apiKey'],
        message:
          'give `clientId` and `apiKey` together (or neither: the login `ampstream login --org NAME` stored in the vault)',
      });
    if (o.clientId !== undefined && o.region === undefined && o.apiUrl === undefined)
      ctx.addIssue({ code: 'custom', message: 'with `clientId`, set `region` or `apiUrl`' });
  });

const streamSchema = z
  .strictObject({
    id: streamId.optional(),
    name: z.string().min(1).optional().meta({
      description:
        'a label for logs and metrics; without `id` and `amqp`, the name of a declared stream (`ampstream apply` creates it)',
    }),
    org: orgName
      .default(DEFAULT_ORG)
      .meta({ description: '(default=default) the organisation the stream belongs to' }),
    eventTypes: z
      .array(z.union([z.number().int().positive(), z.string().min(1)]).transform(String))
      .optional()
      .meta({ description: 'declared stream: event type ids or names (default=all)' }),
    groups: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'declared stream: group names or GUIDs (default=all)' }),
    amqp: amqpSchema.optional(),
    ca: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'PEM file of an extra CA to trust (TLS stays verified)' }),
    insecure: z
      .boolean()
      .default(false)
      .meta({ description: 'DANGER: do not verify the broker certificate (logged loudly)' }),
    proxy: proxySetting.optional(),
    prefetch: z.number().int().min(1).max(65535).default(d.DEFAULT_PREFETCH),
    heartbeatSeconds: z.number().int().min(0).max(3600).default(d.DEFAULT_HEARTBEAT_SECONDS),
  })
  .superRefine((s, ctx) => {
    if (s.id === undefined && s.amqp === undefined && s.name === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a stream needs `id` (credentials from the vault entry stream/<id>), explicit `amqp` settings, or a `name` (a declared stream that `ampstream apply` creates)',
      });
    }
    for (const key of ['eventTypes', 'groups'] as const) {
      if (s[key] !== undefined && (s.id !== undefined || s.amqp !== undefined))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `\`${key}\` belongs to a declared stream (a \`name\`, no \`id\` or \`amqp\`): \`ampstream apply\` keeps it so`,
        });
    }
    if (s.id === undefined && s.amqp !== undefined && s.amqp.queue === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['amqp', 'queue'],
        message: 'without a stream `id`, `amqp.queue` is required',
      });
    }
  });

const sinkName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-" (it is a metric label)');

/** The keys every sink has, whatever its type; the sink's own keys come from its factory. */
function commonSinkShape(factory: SinkFactory) {
  return {
    name: sinkName,
    format: z.enum(formatNames).default(factory.defaultFormat),
    filter: filterSchema.optional(),
    streams: z
      .array(z.union([z.number().int(), z.string().min(1)]))
      .min(1)
      .optional()
      .meta({
        description:
          '(default=all streams) ids or names of the streams routed to this sink (`<org>:<name>` for one organisation’s)',
      }),
  };
}

export function sinkSchema(factories: readonly SinkFactory[]): z.ZodType {
  const variants: z.ZodType[] = factories.map((f): z.ZodType => {
    const common = commonSinkShape(f);
    if (f.options instanceof z.ZodObject) return f.options.extend(common).strict();
    return z.intersection(z.object(common), f.options);
  });
  const objects = variants.filter((v): v is z.ZodObject => v instanceof z.ZodObject);
  const [first, ...rest] = objects;
  if (first === undefined || objects.length !== variants.length) {
    // no registry yet, or a sink whose options are not a plain object: dispatch by hand
    const types = factories.map((f) => f.type);
    return z.unknown().transform((v, ctx) => {
      const type = (v as { type?: unknown } | null)?.type;
      const variant = variants[types.indexOf(String(type))];
      if (variant === undefined) {
        ctx.addIssue({ code: 'custom', path: ['type'], message: unknownTypeMessage(type, types) });
        return z.NEVER;
      }
      const r = variant.safeParse(v);
      if (r.success) return r.data;
      for (const issue of r.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    });
  }
  return z.discriminatedUnion('type', [first, ...rest]);
}

export function unknownTypeMessage(type: unknown, types: readonly string[]): string {
  const expected = types.map((t) => `"${t}"`).join('|');
  return type === undefined
    ? `sink \`type\` is required: one of ${expected}`
    : `unknown sink type ${JSON.stringify(type)}: expected one of ${expected}`;
}

const LISTEN_MESSAGE = 'expected HOST:PORT (e.g. 127.0.0.1:9464) or false';
const listen = z.union(
  [z.literal(false), z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):\d{1,5}$/, LISTEN_MESSAGE)],
  { error: LISTEN_MESSAGE },
);

const batchSchema = z
  .strictObject({
    maxEvents: z.number().int().min(1).max(100_000).default(d.DEFAULT_BATCH_MAX_EVENTS),
    maxWaitMs: z.number().int().min(0).max(60_000).default(d.DEFAULT_BATCH_MAX_WAIT_MS),
  })
  .prefault({});

const dedupSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    store: z.enum(['sqlite', 'postgres']).default(d.DEFAULT_DEDUP_STORE).meta({
      description: 'sqlite: a local file (`path`); postgres: one table shared by replicas (`url`)',
    }),
    path: z.string().min(1).default(d.DEFAULT_DEDUP_PATH),
    url: postgresUrl.optional(),
    schema: sqlIdentifier.default(d.DEFAULT_FLEET_SCHEMA),
    window: z
      .strictObject({
        events: z.number().int().min(1).default(d.DEFAULT_DEDUP_WINDOW_EVENTS),
        hours: z.number().positive().default(d.DEFAULT_DEDUP_WINDOW_HOURS),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.store === 'postgres' && v.url === undefined)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'dedup.store postgres needs `url`' });
  })
  .prefault({});

const deadLetterSchema = z
  .strictObject({
    path: z.string().min(1).default(d.DEFAULT_DEAD_LETTER_PATH),
    breaker: z
      .strictObject({
        maxShare: z.number().positive().max(1).default(d.DEFAULT_BREAKER_MAX_SHARE).meta({
          description:
            'more than this share of the last windowEvents events dead-lettered stops acknowledging (1 = off)',
        }),
        windowEvents: z.number().int().min(1).default(d.DEFAULT_BREAKER_WINDOW_EVENTS),
      })
      .prefault({}),
  })
  .prefault({});

const metricsSchema = z
  .strictObject(
    {
      listen: listen
        .default(d.DEFAULT_METRICS_LISTEN)
        .meta({ description: 'HOST:PORT of /metrics and /healthz, or false' }),
      dashboard: z
        .strictObject({
          enabled: z
            .boolean()
            .default(false)
            .meta({ description: 'serve the live dashboard at / on the metrics listener' }),
          token: secretRef().optional().meta({
            description:
              'bearer token (env:NAME, file:PATH or vault:NAME) the dashboard asks for; required unless the listener is on loopback',
          }),
          payloads: z.boolean().default(false).meta({
            description: 'also show the raw JSON of recent events (default: summary lines only)',
          }),
        })
        .prefault({}),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'metrics is a mapping: write `metrics: { listen: false }` to turn /metrics and /healthz off, or `metrics: { listen: 127.0.0.1:9464 }`'
          : undefined,
    },
  )
  .prefault({});

const healthSchema = z
  .strictObject({
    maxSinkRetrySeconds: z.number().positive().default(d.DEFAULT_HEALTH_MAX_SINK_RETRY_SECONDS),
  })
  .prefault({});

const logSchema = z.strictObject({ level: z.enum(d.logLevels).default(d.DEFAULT_LOG_LEVEL) }).prefault({});

const shutdownSchema = z
  .strictObject({
    drainTimeoutSeconds: z.number().positive().max(3600).default(d.DEFAULT_DRAIN_TIMEOUT_SECONDS).meta({
      description:
        'graceful stop: how long held batches may take to be written (a failing sink) before the rest is requeued',
    }),
  })
  .prefault({});

const reconnectSchema = z
  .strictObject({
    initialMs: z.number().int().min(1).default(d.DEFAULT_RECONNECT_INITIAL_MS),
    maxMs: z.number().int().min(1).default(d.DEFAULT_RECONNECT_MAX_MS),
  })
  .prefault({});

/** `backfill:` (docs/backfill.md): catch up from `/v1/events` on start after a long outage. */
const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const secs = parseDurationSeconds(v);
  if (secs === undefined || secs <= 0) {
    ctx.addIssue({ code: 'custom', message: 'a duration: 90s, 15m, 6h, 10d, or a number of seconds' });
    return z.NEVER;
  }
  return secs;
});

const backfillSchema = z.strictObject({
  onStart: z.boolean().default(false).meta({
    description:
      'on start, when the newest event delivered is older than maxGap, fetch the missing window from /v1/events before consuming',
  }),
  maxGap: duration.prefault(d.DEFAULT_BACKFILL_MAX_GAP).meta({
    description: `longest gap (since the newest event delivered) left to the queue alone: 15m, 6h, 2d or seconds (default=${d.DEFAULT_BACKFILL_MAX_GAP})`,
  }),
});

export function buildConfigSchema(factories: readonly SinkFactory[]) {
  return z
    .strictObject({
      organisations: z
        .array(organisationSchema)
        .optional()
        .meta({ description: 'the Secure Endpoint organisations streams belong to (docs/fleet.md)' }),
      streams: z.array(streamSchema).min(1, 'at least one stream is needed'),
      sinks: z.array(sinkSchema(factories)).min(1, 'at least one sink is needed'),
      replicas: replicasSchema.optional(),
      batch: batchSchema,
      dedup: dedupSchema,
      deadLetter: deadLetterSchema,
      metrics: metricsSchema,
      health: healthSchema,
      log: logSchema,
      shutdown: shutdownSchema,
      reconnect: reconnectSchema,
      backfill: backfillSchema.prefault({}),
    })
    .superRefine((c, ctx) => {
      const sinks = c.sinks as SinkRefs[];
      checkSinkNames(sinks, ctx);
      const orgs = checkOrganisations(c.organisations ?? [], ctx);
      checkStreamOrganisations(c.streams, orgs, ctx);
      checkStreamsListedOnce(c.streams, ctx);
      checkSinkFormats(sinks, ctx);
      checkSinkStreams(sinks, c.streams, ctx);
      checkDashboard(c.metrics, ctx);
      if (c.reconnect.maxMs < c.reconnect.initialMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['reconnect', 'maxMs'],
          message: 'must be ≥ reconnect.initialMs',
        });
      }
    });
}

/** What the cross-checks read of a sink entry (its own options are checked by its factory). */
interface SinkRefs {
  readonly name?: string;
  readonly format?: string;
  readonly streams?: readonly (string | number)[];
}

type StreamRefs = z.output<typeof streamSchema>;

function checkSinkNames(sinks: readonly SinkRefs[], ctx: z.RefinementCtx): void {
  const names = new Map<string, number>();
  sinks.forEach((s, i) => {
    if (s.name === undefined) return;
    const prev = names.get(s.name);
    if (prev !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sinks', i, 'name'],
        message: `duplicate sink name (also sinks[${prev}])`,
      });
    }
    names.set(s.name, i);
  });
}

function checkStreamsListedOnce(streams: readonly StreamRefs[], ctx: z.RefinementCtx): void {
  const keys = new Set<string>();
  streams.forEach((s, i) => {
    const key =
      s.id ??
      (s.amqp === undefined
        ? `${s.org}/name:${s.name ?? ''}`
        : `${s.amqp.url ?? s.amqp.host ?? ''}/${s.amqp.queue ?? ''}`);
    if (keys.has(key))
      ctx.addIssue({ code: 'custom', path: ['streams', i], message: 'this stream is listed twice' });
    keys.add(key);
  });
}

/** Organisation names are unique; returns them. */
function checkOrganisations(
  organisations: readonly { readonly name: string }[],
  ctx: z.RefinementCtx,
): ReadonlySet<string> {
  const orgs = new Map<string, number>();
  organisations.forEach((o, i) => {
    const prev = orgs.get(o.name);
    if (prev !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['organisations', i, 'name'],
        message: `duplicate organisation name (also organisations[${prev}])`,
      });
    orgs.set(o.name, i);
  });
  return new Set(orgs.keys());
}

/** A stream's `org` is `default` or a declared organisation. */
function checkStreamOrganisations(
  streams: readonly StreamRefs[],
  orgs: ReadonlySet<string>,
  ctx: z.RefinementCtx,
): void {
  streams.forEach((s, i) => {
    if (s.org !== DEFAULT_ORG && !orgs.has(s.org))
      ctx.addIssue({
        code: 'custom',
        path: ['streams', i, 'org'],
        message: `unknown organisation "${s.org}": ${orgs.size === 0 ? 'there is no `organisations:` list' : `declared are ${[...orgs].join(', ')}`} (or \`${DEFAULT_ORG}\`)`,
      });
  });
}

function checkSinkFormats(sinks: readonly SinkRefs[], ctx: z.RefinementCtx): void {
  sinks.forEach((s, i) => {
    if (s.format === undefined) return;
    try {
      getFormat(s.format as (typeof formatNames)[number]);
    } catch {
      ctx.addIssue({
        code: 'custom',
        path: ['sinks', i, 'format'],
        message: `format "${s.format}" is not available in this build`,
      });
    }
  });
}

function checkSinkStreams(
  sinks: readonly SinkRefs[],
  streams: readonly StreamRefs[],
  ctx: z.RefinementCtx,
): void {
  sinks.forEach((s, i) => {
    s.streams?.forEach((ref, j) => {
      const known = streams.some(
        (st) =>
          st.id === String(ref) ||
          st.name === String(ref) ||
          (st.name !== undefined && `${st.org}:${st.name}` === String(ref)),
      );
      if (!known) {
        ctx.addIssue({
          code: 'custom',
          path: ['sinks', i, 'streams', j],
          message: `no stream with id or name ${JSON.stringify(ref)} in \`streams\``,
        });
      }
    });
  });
}

function checkDashboard(metrics: z.output<typeof metricsSchema>, ctx: z.RefinementCtx): void {
  const dash = metrics.dashboard;
  if (dash.enabled && metrics.listen === false) {
    ctx.addIssue({
      code: 'custom',
      path: ['metrics', 'dashboard', 'enabled'],
      message: 'the dashboard is served on the metrics listener: set metrics.listen to HOST:PORT',
    });
  }
  if (
    dash.enabled &&
    metrics.listen !== false &&
    dash.token === undefined &&
    !isLoopbackListen(metrics.listen)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['metrics', 'dashboard', 'token'],
      message:
        'the dashboard on a non-loopback address needs a bearer token (token: env:NAME, file:PATH or vault:NAME)',
    });
  }
}

/** 127.0.0.1:9464, localhost:9464, [::1]:9464 (an empty host means 127.0.0.1) */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  return host === '' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type ParsedConfig = z.output<ConfigSchema>;

/** The JSON Schema for editors (`ampstream config schema`). */
export function configJsonSchema(factories: readonly SinkFactory[]): unknown {
  const schema = z.toJSONSchema(buildConfigSchema(factories), { io: 'input', unrepresentable: 'any' });
  return {
    ...schema,
    title: 'ampstream.yaml',
    description: 'Configuration of the ampstream daemon (ampstream run).',
  };
}
