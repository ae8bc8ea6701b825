import { eventKey } from '../../event/key.js';
import type { SinkRecord } from '../types.js';
import { FACILITIES, syslogSeverity } from './mapping.js';
import { formatRfc5424, type SdElement } from './rfc5424.js';
import type { SyslogSinkOptions } from './config.js';

/** One sink record → one RFC 5424 message (unframed). Pure. */
export function recordToMessage(record: SinkRecord, o: SyslogSinkOptions): Buffer {
  const e = record.event.event;
  return formatRfc5424({
    facility: FACILITIES[o.facility],
    severity: syslogSeverity(e.severity, o.severityMap),
    time: {
      epochSeconds: e.timestamp,
      ...(e.timestamp_nanoseconds === undefined ? {} : { nanoseconds: e.timestamp_nanoseconds }),
    },
    ...optional('hostname', o.hostname ?? e.computer?.hostname),
    appName: o.appName,
    ...optional('procId', o.procId),
    msgId: String(e.event_type_id),
    ...(o.structuredData.enabled ? { structuredData: [eventElement(record, o.structuredData.id)] } : {}),
    msg: record.payload,
    bom: o.bom,
  });
}

function eventElement(record: SinkRecord, id: string): SdElement {
  const e = record.event.event;
  const params: [string, string][] = [
    ['id', eventKey(record.event)],
    ['event_type_id', String(e.event_type_id)],
  ];
  if (e.severity !== undefined) params.push(['severity', e.severity]);
  const guid = e.connector_guid ?? e.computer?.connector_guid;
  if (guid !== undefined) params.push(['connector_guid', guid]);
  if (e.group_guids !== undefined && e.group_guids.length > 0)
    params.push(['group_guids', e.group_guids.join(',')]);
  return { id, params };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
