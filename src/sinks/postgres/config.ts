import { z } from 'zod';
import { secretRefSchema } from '../shared/secret.js';
import { tlsSchema } from '../shared/tls.js';

/** 65535: the most bind parameters one PostgreSQL statement may carry (Int16 count in Bind). */
export const PG_MAX_PARAMS = 65_535;
/** Bind parameters per inserted row (received_at comes from the column default). */
export const PARAMS_PER_ROW = 9;
/** (default=1000) rows per INSERT statement; a batch is one transaction of one or more statements */
export const DEFAULT_CHUNK_ROWS = 1000;
/** (default=4) pooled connections */
export const DEFAULT_POOL_SIZE = 4;
/** (default=30_000) server-side statement_timeout, in ms */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** (default=10_000) connect timeout, in ms */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** An unquoted SQL identifier we are happy to create (short enough for derived index names). */
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,39}$/, 'lower-case letters, digits and "_", at most 40 characters');

export const postgresOptionsSchema = z
  .object({
    type: z.literal('postgres'),
    /** postgres://user@host:port/database (no password in it: use `password`) */
    connectionString: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .refine((s) => !/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(s), {
        message: 'no password in the connection string: use `password` with a secret reference',
      })
      .optional(),
    /** (default='127.0.0.1', unless connectionString says otherwise) */
    host: z.string().min(1).optional(),
    /** (default=5432) */
    port: z.number().int().min(1).max(65535).optional(),
    /** (default='postgres') */
    user: z.string().min(1).optional(),
    /** (default=the user name) */
    database: z.string().min(1).optional(),
    /** env:NAME, file:PATH or vault:NAME */
    password: secretRefSchema().optional(),
    /** TLS to the server (off when absent); certificate verification on unless tls.insecure */
    tls: tlsSchema.optional(),
    /** (default='public') schema of the table; created if missing */
    schema: identifier.default('public'),
    /** (default='ampstream_events') */
    table: identifier.default('ampstream_events'),
    /** (default=4) */
    poolSize: z.number().int().min(1).max(100).default(DEFAULT_POOL_SIZE),
    /** (default=1000) rows per INSERT, at most 7281 (65535 parameters / 9 per row) */
    chunkRows: z
      .number()
      .int()
      .min(1)
      .max(Math.floor(PG_MAX_PARAMS / PARAMS_PER_ROW))
      .default(DEFAULT_CHUNK_ROWS),
    /** (default=30_000) in ms */
    statementTimeoutMs: z.number().int().positive().default(DEFAULT_STATEMENT_TIMEOUT_MS),
    /** (default=10_000) in ms */
    connectTimeoutMs: z.number().int().positive().default(DEFAULT_CONNECT_TIMEOUT_MS),
    /** (default='ampstream') shows in pg_stat_activity */
    applicationName: z.string().min(1).default('ampstream'),
  })
  .strict();

export type PostgresSinkOptions = z.infer<typeof postgresOptionsSchema>;
