import pg from 'pg';
import { SinkLifecycle } from '../shared/lifecycle.js';
import { loadTls } from '../shared/tls.js';
import type { Sink, SinkContext, SinkRecord } from '../types.js';
import { classifyPgError, isUndefinedTable } from './classify.js';
import type { PostgresSinkOptions } from './config.js';
import { migrate } from './migrations.js';
import { chunk, insertSql, rowValues, type TableRef } from './sql.js';

/** Pooled clients that already carry our 'error' listener (see #connect). */
const guarded = new WeakSet<pg.PoolClient>();
const ignore = (): void => undefined;

/** Extra client-side wait beyond statement_timeout before a silent server is given up on, in ms. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

/**
 * One row per event in a table keyed by event id. `start()` runs the migrations; each write
 * is one transaction of one or more multi-row `INSERT … ON CONFLICT (event_id) DO NOTHING`
 * (chunked under the 65535-parameter limit), durable at COMMIT. Redeliveries are harmless.
 * If start() fails (database down), the next write runs the migrations first.
 */
export class PostgresSink implements Sink {
  readonly name: string;
  readonly #o: PostgresSinkOptions;
  readonly #context: SinkContext;
  readonly #table: TableRef;
  readonly #life: SinkLifecycle<pg.Pool>;
  #migrated = false;

  constructor(options: PostgresSinkOptions, context: SinkContext) {
    this.name = context.name;
    this.#life = new SinkLifecycle(context.name);
    this.#o = options;
    this.#context = context;
    this.#table = { schema: options.schema, table: options.table };
  }

  async start(): Promise<void> {
    if (!this.#life.started) this.#life.start(await this.#createPool());
    await this.#ensureMigrated();
  }

  async #createPool(): Promise<pg.Pool> {
    const o = this.#o;
    const password = o.password === undefined ? undefined : await this.#context.resolveSecret(o.password);
    const tls = o.tls === undefined ? undefined : await loadTls(o.tls, this.name, this.#context.logger);
    const defaults =
      o.connectionString === undefined ? { host: '127.0.0.1', port: 5432, user: 'postgres' } : {};
    const pool = new pg.Pool({
      ...defaults,
      ...(o.connectionString === undefined ? {} : { connectionString: o.connectionString }),
      ...(o.host === undefined ? {} : { host: o.host }),
      ...(o.port === undefined ? {} : { port: o.port }),
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(o.database === undefined ? {} : { database: o.database }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { ssl: { ...tls } }),
      max: o.poolSize,
      connectionTimeoutMillis: o.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: o.statementTimeoutMs,
      query_timeout: o.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      application_name: o.applicationName,
    });
    // an idle pooled connection that dies (server restart, pg_terminate_backend) must not crash
    // the process: the pool drops it and opens a new one on the next write
    pool.on('error', (e) =>
      this.#context.logger.warn(
        { err: classifyPgError(e, this.name, 'idle connection').toJSON() },
        'postgres idle connection lost',
      ),
    );
    return pool;
  }

  async #ensureMigrated(): Promise<void> {
    if (this.#migrated) return;
    const client = await this.#connect('connect');
    try {
      const applied = await migrate(client, this.#table);
      client.release();
      this.#migrated = true;
      if (applied.length > 0)
        this.#context.logger.info(
          { applied, table: `${this.#table.schema}.${this.#table.table}` },
          'postgres migrations applied',
        );
    } catch (e) {
      client.release(true);
      throw classifyPgError(e, this.name, 'migration');
    }
  }

  /**
   * A pooled client with an 'error' listener for as long as we hold it: pg emits 'error' on a
   * checked-out client whose connection dies (pg_terminate_backend, server restart), even
   * after it is released and dropped, and an unlistened 'error' would crash the process. The
   * query in flight rejects anyway, which is where the failure is classified.
   */
  async #connect(step: string): Promise<pg.PoolClient> {
    const pool = this.#life.use();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw classifyPgError(e, this.name, step);
    }
    if (!guarded.has(client)) {
      guarded.add(client);
      client.on('error', ignore);
    }
    return client;
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    this.#life.use();
    if (batch.length === 0) return;
    await this.#ensureMigrated();
    const kind = this.#context.format.kind;
    const client = await this.#connect('connect');
    try {
      await client.query('BEGIN');
      for (const rows of chunk(batch, this.#o.chunkRows)) {
        await client.query(
          insertSql(this.#table, rows.length),
          rows.flatMap((r) => rowValues(r, kind)),
        );
      }
      await client.query('COMMIT');
      client.release();
    } catch (e) {
      // a failed connection cannot be reused; a healthy one is rolled back and returned
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      const err = classifyPgError(e, this.name, `insert of ${batch.length} events`);
      if (isUndefinedTable(err)) this.#migrated = false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#life.close()?.end();
  }
}
