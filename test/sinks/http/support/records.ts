import { decodeEvent } from '../../../../src/event/decode.js';
import type { DecodedEvent } from '../../../../src/event/types.js';
import { rawFormat } from '../../../../src/formats/raw.js';
import type { Format } from '../../../../src/formats/types.js';
import type { SinkRecord } from '../../../../src/sinks/types.js';

/** Ids above 2^53, as Cisco sends them: JSON.parse would round every one of these. */
export const BASE_ID = 6533241145273614339n;

const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
const TYPES = [
  [1090519054, 'Threat Detected'],
  [553648143, 'Threat Quarantined'],
  [2164260880, 'Quarantine Failure'],
] as const;

export interface EventOptions {
  /** (default=0) offset added to BASE_ID for the first event */
  readonly offset?: number;
  /** extra top-level JSON text spliced into each event, e.g. `"note":"x"` */
  readonly extra?: string;
}

/** n events as raw wire bytes (ids as bare numbers above 2^53), then decoded losslessly. */
export function makeEvents(n: number, options: EventOptions = {}): DecodedEvent[] {
  const out: DecodedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const id = BASE_ID + BigInt((options.offset ?? 0) + i);
    const [typeId, typeName] = TYPES[i % TYPES.length]!;
    const severity = SEVERITIES[i % SEVERITIES.length]!;
    const ts = 1700000000 + i;
    const text =
      `{"id":${id},"timestamp":${ts},"timestamp_nanoseconds":${(i % 1000) * 1_000_000 + 619},` +
      `"date":"${new Date(ts * 1000).toISOString().replace('.000Z', '+00:00')}",` +
      `"event_type":"${typeName}","event_type_id":${typeId},"severity":"${severity}",` +
      `"detection":"W32.Test \\"quoted\\" ]bracket\\\\ é","connector_guid":"0b4883d4-0000-4404-9453-13cba0ee76${String(i % 100).padStart(2, '0')}",` +
      `"group_guids":["d7cf8b98-0000-4ce1-a0e5-d943ed6bab17"],` +
      `"computer":{"hostname":"WS-FIN-${String(i % 1000).padStart(3, '0')}","external_ip":"198.51.100.20"}` +
      (options.extra === undefined ? '' : `,${options.extra}`) +
      '}';
    const r = decodeEvent(Buffer.from(text));
    if (!r.ok) throw new Error(`fixture did not decode: ${JSON.stringify(r.reason)}`);
    out.push(r.value);
  }
  return out;
}

/** A stand-in for the cef format (text kind) so these tests do not depend on formats/. */
export const textFormat: Format = {
  name: 'cef',
  kind: 'text',
  render: (e) =>
    `CEF:0|Cisco|Secure Endpoint|1|${e.event.event_type_id}|${e.event.event_type}|5|externalId=${e.event.id} dhost=${e.event.computer?.hostname ?? ''}`,
};

export { rawFormat };

export function toRecords(events: readonly DecodedEvent[], format: Format = rawFormat): SinkRecord[] {
  return events.map((event) => ({ event, payload: format.render(event) }));
}

export function makeRecords(n: number, format: Format = rawFormat, options: EventOptions = {}): SinkRecord[] {
  return toRecords(makeEvents(n, options), format);
}

export function idsOf(records: readonly SinkRecord[]): string[] {
  return records.map((r) => r.event.event.id!);
}
