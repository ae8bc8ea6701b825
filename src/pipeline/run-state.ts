import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AmpError } from '../errors.js';

/**
 * What a run remembers between starts, apart from dedup (docs/backfill.md): when each
 * organisation last had an event delivered (so `run` can tell it was down longer than
 * `backfill.maxGap`), and where a backfill stands (so a killed backfill resumes instead of
 * starting over). Small, written rarely, kept next to the dedup store.
 *
 * The interface is what the daemon and the backfill use; this file holds the SQLite
 * implementation (one local file, mode 0600, WAL); `run-state-postgres.ts` the shared one
 * (PostgreSQL, for replicas: any replica reads what another recorded). Every method answers
 * with a promise; the SQLite one answers at once.
 */

/** The newest event time delivered for one scope (an organisation, or a stream). */
export interface LastDelivered {
  /** event time (`timestamp` of the newest event written), epoch seconds */
  readonly eventTime: number;
  /** wall clock when it was recorded, epoch ms */
  readonly recordedAt: number;
}

/**
 * Where one backfill job stands. A job is identified by `key` (organisation, start of the
 * window, filters); its `until` is fixed when the job starts, so a resumed job pages exactly the
 * same window.
 */
export interface BackfillCheckpoint {
  readonly key: string;
  /** window start, epoch seconds, inclusive */
  readonly since: number;
  /** window end, epoch seconds, inclusive; fixed at the job's first start */
  readonly until: number;
  /** `/v1/events` offset of the first item not yet done: every page before it is written and acked */
  readonly offset: number;
  /** events delivered by this job so far (all its runs) */
  readonly delivered: number;
  /** oldest event time done so far, epoch seconds (undefined before the first page) */
  readonly oldestDone?: number | undefined;
  readonly complete: boolean;
  /** epoch ms */
  readonly updatedAt: number;
}

export interface RunStateStore {
  lastDelivered(scope: string): Promise<LastDelivered | undefined>;
  /** Keeps the newest: an older `eventTime` than the one stored changes nothing. */
  recordDelivered(scope: string, eventTime: number): Promise<void>;
  checkpoint(key: string): Promise<BackfillCheckpoint | undefined>;
  saveCheckpoint(checkpoint: BackfillCheckpoint): Promise<void>;
  /**
   * Run `fn` while no other holder of this store (another replica) runs one under the same
   * `name`: waits for it first. The SQLite store is one machine's: it just runs `fn`.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The run-state file that goes with a dedup store path (`<dedup path>-runstate`). */
export function runStatePathFor(dedupPath: string): string {
  return `${dedupPath}-runstate`;
}

interface CheckpointRow {
  key: string;
  since: number;
  until: number;
  offset: number;
  delivered: number;
  oldest_done: number | null;
  complete: number;
  updated_at: number;
}

export class SqliteRunStateStore implements RunStateStore {
  readonly #db: Database.Database;
  readonly #now: () => number;

  constructor(path: string, now: () => number = Date.now) {
    this.#now = now;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      chmodSync(path, 0o600);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.exec(
        `CREATE TABLE IF NOT EXISTS last_delivered (scope TEXT PRIMARY KEY, event_time INTEGER NOT NULL, recorded_at INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS backfill_checkpoint (key TEXT PRIMARY KEY, since INTEGER NOT NULL, until INTEGER NOT NULL,
           offset INTEGER NOT NULL, delivered INTEGER NOT NULL, oldest_done INTEGER, complete INTEGER NOT NULL,
           updated_at INTEGER NOT NULL);`,
      );
    } catch (e) {
      throw new AmpError('DEDUP_STORE', `cannot open the run-state store ${path}: ${(e as Error).message}`, {
        cause: e,
        hint: 'check dedup.path: the run state is kept next to the dedup store, in a writable directory',
      });
    }
  }

  async lastDelivered(scope: string): Promise<LastDelivered | undefined> {
    const row = this.#db
      .prepare<[string], { event_time: number; recorded_at: number }>(
        'SELECT event_time, recorded_at FROM last_delivered WHERE scope = ?',
      )
      .get(scope);
    return row === undefined ? undefined : { eventTime: row.event_time, recordedAt: row.recorded_at };
  }

  async recordDelivered(scope: string, eventTime: number): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO last_delivered (scope, event_time, recorded_at) VALUES (?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET event_time = excluded.event_time, recorded_at = excluded.recorded_at
         WHERE excluded.event_time >= last_delivered.event_time`,
      )
      .run(scope, Math.floor(eventTime), this.#now());
  }

  async checkpoint(key: string): Promise<BackfillCheckpoint | undefined> {
    const r = this.#db
      .prepare<[string], CheckpointRow>('SELECT * FROM backfill_checkpoint WHERE key = ?')
      .get(key);
    if (r === undefined) return undefined;
    return {
      key: r.key,
      since: r.since,
      until: r.until,
      offset: r.offset,
      delivered: r.delivered,
      ...(r.oldest_done === null ? {} : { oldestDone: r.oldest_done }),
      complete: r.complete === 1,
      updatedAt: r.updated_at,
    };
  }

  async saveCheckpoint(c: BackfillCheckpoint): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO backfill_checkpoint (key, since, until, offset, delivered, oldest_done, complete, updated_at)
         VALUES (@key, @since, @until, @offset, @delivered, @oldest, @complete, @updatedAt)
         ON CONFLICT (key) DO UPDATE SET since = excluded.since, until = excluded.until, offset = excluded.offset,
           delivered = excluded.delivered, oldest_done = excluded.oldest_done, complete = excluded.complete,
           updated_at = excluded.updated_at`,
      )
      .run({
        key: c.key,
        since: c.since,
        until: c.until,
        offset: c.offset,
        delivered: c.delivered,
        oldest: c.oldestDone ?? null,
        complete: c.complete ? 1 : 0,
        updatedAt: c.updatedAt,
      });
  }

  async exclusive<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
