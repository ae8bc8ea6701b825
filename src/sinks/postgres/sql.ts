import { eventKey } from '../../event/key.js';
import type { SinkRecord } from '../types.js';
import { PARAMS_PER_ROW } from './config.js';

/** Pure SQL builders for the postgres sink. Identifiers come validated from the config. */

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export function qualified(t: TableRef): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

export const COLUMNS = [
  'event_id',
  'event_time',
  'event_type_id',
  'event_type',
  'severity',
  'hostname',
  'connector_guid',
  'group_guids',
  'payload',
] as const;

/**
 * One multi-row, parameterised INSERT for `rows` records:
 *
 *     INSERT INTO s.t (event_id, …, payload) VALUES ($1, …, $9), ($10, …, $18), …
 *     ON CONFLICT (event_id) DO NOTHING
 *
 * Redelivered events (same id) are skipped, so a retried batch never duplicates rows.
 */
export function insertSql(t: TableRef, rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const base = r * PARAMS_PER_ROW;
    tuples.push(`(${COLUMNS.map((_, c) => `$${base + c + 1}`).join(',')})`);
  }
  return `INSERT INTO ${qualified(t)} (${COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT (event_id) DO NOTHING`;
}

/** The bind values of one row, in COLUMNS order. */
export function rowValues(record: SinkRecord, kind: 'json' | 'text'): unknown[] {
  const e = record.event.event;
  return [
    eventKey(record.event),
    eventTime(e.timestamp, e.timestamp_nanoseconds),
    e.event_type_id,
    e.event_type,
    e.severity ?? null,
    e.computer?.hostname ?? null,
    e.connector_guid ?? e.computer?.connector_guid ?? null,
    e.group_guids ?? [],
    payloadJson(record, kind),
  ];
}

/** The jsonb column: the formatted record when it is JSON, else the original event JSON. */
export function payloadJson(record: SinkRecord, kind: 'json' | 'text'): string {
  const p = kind === 'json' ? record.payload : record.event.raw;
  return typeof p === 'string' ? p : p.toString('utf8');
}

/** RFC 3339 UTC with microseconds (timestamptz keeps µs; a JS Date only ms). */
export function eventTime(seconds: number, nanoseconds: number | undefined): string {
  const base = new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19);
  const ns = nanoseconds !== undefined && Number.isInteger(nanoseconds) && nanoseconds > 0 ? nanoseconds : 0;
  return `${base}.${String(Math.floor(ns / 1000)).padStart(6, '0')}Z`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
