import { z } from 'zod';
import { getFormat } from '../formats/index.js';
import { formatNames } from '../formats/types.js';
import type { SinkFactory } from '../sinks/types.js';
import * as d from './defaults.js';
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

const streamSchema = z
  .strictObject({
    id: streamId.optional(),
    name: z.string().min(1).optional().meta({ description: 'a label for logs and metrics' }),
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
    if (s.id === undefined && s.amqp === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a stream needs `id` (credentials from the vault entry stream/<id>) or explicit `amqp` settings',
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
      .meta({ description: '(default=all streams) ids or names of the streams routed to this sink' }),
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
    path: z.string().min(1).default(d.DEFAULT_DEDUP_PATH),
    window: z
      .strictObject({
        events: z.number().int().min(1).default(d.DEFAULT_DEDUP_WINDOW_EVENTS),
        hours: z.number().positive().default(d.DEFAULT_DEDUP_WINDOW_HOURS),
      })
      .prefault({}),
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

export function buildConfigSchema(factories: readonly SinkFactory[]) {
  return z
    .strictObject({
      streams: z.array(streamSchema).min(1, 'at least one stream is needed'),
      sinks: z.array(sinkSchema(factories)).min(1, 'at least one sink is needed'),
      batch: batchSchema,
      dedup: dedupSchema,
      deadLetter: deadLetterSchema,
      metrics: metricsSchema,
      health: healthSchema,
      log: logSchema,
      shutdown: shutdownSchema,
      reconnect: reconnectSchema,
    })
    .superRefine((c, ctx) => {
      const sinks = c.sinks as SinkRefs[];
      checkSinkNames(sinks, ctx);
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
    const key = s.id ?? `${s.amqp?.url ?? s.amqp?.host ?? ''}/${s.amqp?.queue ?? ''}`;
    if (keys.has(key))
      ctx.addIssue({ code: 'custom', path: ['streams', i], message: 'this stream is listed twice' });
    keys.add(key);
    if (s.name !== undefined) keys.add(`name:${s.name}`);
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
      const known = streams.some((st) => st.id === String(ref) || st.name === String(ref));
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
