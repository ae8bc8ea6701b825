import { recordJson } from '../shared/http/body.js';
import type { SinkRecord } from '../types.js';

/**
 * One HEC event object ("Format events for HTTP Event Collector", Splunk docs):
 *
 *     { "time": <epoch seconds, with a decimal fraction for sub-second precision>,
 *       "host": "…", "source": "…", "sourcetype": "…", "index": "…",
 *       "event": <any JSON value: the record> }
 *
 * Batches are these objects concatenated with no separator ("{…}{…}"), which HEC accepts.
 * The record is spliced in as text (a json-kind payload as is, so ids above 2^53 stay
 * exact; a text-kind payload as a JSON string). Pure.
 */
export interface HecMeta {
  readonly host?: string;
  readonly source: string;
  readonly sourcetype: string;
  readonly index?: string;
}

const CLOSE = Buffer.from('}');

export function hecEvent(record: SinkRecord, kind: 'json' | 'text', meta: HecMeta): Buffer {
  const e = record.event.event;
  const host = meta.host ?? e.computer?.hostname;
  let head = `{"time":${hecTime(e.timestamp, e.timestamp_nanoseconds)}`;
  if (host !== undefined && host !== '') head += `,"host":${JSON.stringify(host)}`;
  head += `,"source":${JSON.stringify(meta.source)},"sourcetype":${JSON.stringify(meta.sourcetype)}`;
  if (meta.index !== undefined) head += `,"index":${JSON.stringify(meta.index)}`;
  head += ',"event":';
  return Buffer.concat([Buffer.from(head), recordJson(record, kind), CLOSE]);
}

/** Epoch seconds with milliseconds ("1700000000.619"), from the event's seconds + nanoseconds. */
export function hecTime(seconds: number, nanoseconds: number | undefined): string {
  if (nanoseconds === undefined || !Number.isInteger(nanoseconds) || nanoseconds <= 0) return String(seconds);
  return `${seconds}.${String(Math.floor(nanoseconds / 1_000_000) % 1000).padStart(3, '0')}`;
}

/** Groups encoded events into request bodies of at most `maxBytes` (one event may exceed it alone). */
export function chunkBodies(events: readonly Buffer[], maxBytes: number): Buffer[] {
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const ev of events) {
    if (current.length > 0 && size + ev.length > maxBytes) {
      out.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(ev);
    size += ev.length;
  }
  if (current.length > 0) out.push(Buffer.concat(current));
  return out;
}
