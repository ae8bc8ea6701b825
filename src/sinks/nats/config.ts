import { z } from 'zod';
import { secretRefSchema } from '../shared/secret.js';
import { tlsSchema } from '../shared/tls.js';

/** (default='ampstream.events') */
export const DEFAULT_SUBJECT = 'ampstream.events';
/** (default=10_000) longest wait for one PubAck, in ms */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;
/** (default=5_000) connect timeout, in ms */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** (default=1000) publishes awaiting their PubAck at once, per write */
export const DEFAULT_MAX_INFLIGHT = 1000;
/** (default=120_000) JetStream duplicate window of a created stream, in ms (the server's default: 2 min) */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

/** A subject or a template: tokens of [A-Za-z0-9_-] or {placeholders}, separated by dots. */
const subjectTemplate = z
  .string()
  .regex(
    /^([A-Za-z0-9_-]+|\{[a-z_]+\})(\.([A-Za-z0-9_-]+|\{[a-z_]+\}))*$/,
    'dot-separated tokens or {placeholders}, no wildcards',
  );

export const natsOptionsSchema = z
  .object({
    type: z.literal('nats'),
    /** (default='nats://127.0.0.1:4222') one URL or a list (cluster seeds) */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('nats://127.0.0.1:4222'),
    /** (default='ampstream.events') placeholders: {event_type_id} {event_type} {severity} {hostname} {connector_guid} */
    subject: subjectTemplate.default(DEFAULT_SUBJECT),
    /** user name (with `password`) */
    user: z.string().min(1).optional(),
    /** env:NAME, file:PATH or vault:NAME */
    password: secretRefSchema().optional(),
    /** env:NAME, file:PATH or vault:NAME (token authentication) */
    token: secretRefSchema().optional(),
    tls: tlsSchema.optional(),
    /** create (or update) the stream on start */
    createStream: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-"'),
        /** (default=the subject with each {placeholder} as *) */
        subjects: z.array(z.string().min(1)).min(1).optional(),
        /** (default='file') */
        storage: z.enum(['file', 'memory']).default('file'),
        /** (default=1) */
        replicas: z.number().int().min(1).max(5).default(1),
        /** (default=0: forever) in ms */
        maxAgeMs: z.number().int().min(0).default(0),
        /** (default=-1: unlimited) in bytes */
        maxBytes: z.number().int().min(-1).default(-1),
        /** (default=120_000) in ms */
        duplicateWindowMs: z.number().int().positive().default(DEFAULT_DUPLICATE_WINDOW_MS),
      })
      .strict()
      .optional(),
    /** (default=10_000) in ms */
    publishTimeoutMs: z.number().int().positive().default(DEFAULT_PUBLISH_TIMEOUT_MS),
    /** (default=5_000) in ms */
    connectTimeoutMs: z.number().int().positive().default(DEFAULT_CONNECT_TIMEOUT_MS),
    /** (default=1000) */
    maxInflight: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_INFLIGHT),
    /** (default='ampstream') connection name shown by the server */
    connectionName: z.string().min(1).default('ampstream'),
  })
  .strict();

export type NatsSinkOptions = z.infer<typeof natsOptionsSchema>;
