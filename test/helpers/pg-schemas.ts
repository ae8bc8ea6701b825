import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PG } from './services.js';

/** The test PostgreSQL as a URL (trust auth: no password). */
export const PG_URL = `postgres://${PG.user}@${PG.host}:${PG.port}/${PG.database}`;

export interface PgSchemas {
  /** a client connected for the whole file (from beforeAll on) */
  readonly admin: pg.Client;
  /** a new schema name `<prefix>_<random>`, dropped (CASCADE) after the file's tests */
  fresh(): string;
}

/**
 * Schemas of its own for a test file against the shared PostgreSQL. Register it before the
 * file's own afterAll hooks: vitest runs them in reverse, so stores and processes the file
 * closes in its hooks are gone before the schemas are dropped.
 */
export function usePgSchemas(prefix: string): PgSchemas {
  const schemas: string[] = [];
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    admin = new pg.Client({ ...PG });
    await admin.connect();
  });
  afterAll(async () => {
    for (const s of schemas) await admin?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin?.end();
  });
  return {
    get admin(): pg.Client {
      if (admin === undefined) throw new Error('usePgSchemas: admin is connected in beforeAll');
      return admin;
    },
    fresh(): string {
      const s = `${prefix}_${randomBytes(5).toString('hex')}`;
      schemas.push(s);
      return s;
    },
  };
}
