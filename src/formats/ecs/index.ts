import type { DecodedEvent } from '../../event/types.js';
import { EVENT_HEAD, HASHES, leftovers, PARENT, type Consumed } from '../leftovers.js';
import { semanticsOf } from '../semantics.js';
import { mitreOf, summaryOf } from '../summary.js';
import type { Format } from '../types.js';
import {
  arr,
  dateMillis,
  int,
  isoTime,
  jsonLineFormat,
  obj,
  severityWord,
  str,
  type SeverityWord,
} from '../util.js';
import { categorize } from './categorize.js';
import { fileOf, hashOf, hostOf, networkOf, newRelated, processOf, userOf, type Related } from './parts.js';
import { threatOf, vulnerabilityOf } from './threat.js';

/** The ECS release the field set follows (checked against ecs_flat.yml 9.5.0-dev by a test). */
export const ECS_VERSION = '9.4.0';

/**
 * `ecs`: Elastic Common Schema document, one JSON line per event.
 *
 * Mapping (ECS 9.x names/types from ecs_flat.yml; shaped after Elastic's own
 * `cisco_secure_endpoint` integration so its dashboards keep working):
 * - `@timestamp` ← `timestamp` (epoch s) + `timestamp_nanoseconds` (sub-second ns), RFC 3339 UTC
 *   with a 9-digit fraction.
 * - `event.kind` alert|event, `event.category`, `event.type`, `event.outcome`: see categorize.ts.
 * - `event.action` ← event_type; `event.code` ← event_type_id (keyword); `event.id` ← id (the
 *   decimal string, never rounded); `event.severity` (long) ← severity Low 1, Medium 2, High 3,
 *   Critical 4, absent 0 (Elastic's values); `event.start` ← start_timestamp;
 *   `event.original` ← the message body exactly as received.
 * - `host.*`, `user.*`, `group.id` ← group_guids, `file.*`, `process.*` (from file.parent, else
 *   network_info.parent), `source.*`/`destination.*`/`network.*`/`url.*` (from network_info),
 *   `threat.*` (MITRE), `vulnerability.*` + `package.*`, `related.*`: see parts.ts, threat.ts.
 * - `rule.name` ← detection. `message` ← a one-line summary. `observer.vendor` "Cisco",
 *   `observer.product` "Secure Endpoint", `event.module`/`event.dataset` as Elastic names them.
 * - `cisco.secure_endpoint.*`: every event field not moved into ECS above, under its original
 *   path (Elastic keeps connector_guid, group_guids, detection, detection_id, event_type_id,
 *   computer.{connector_guid,external_ip,active,network_addresses}, file.disposition, scan.*,
 *   cloud_ioc.*, bp_data, error.*, threat_hunting.*, vulnerabilities, tactics, techniques … there),
 *   plus `related.mac` (upper-case, dashes) and `related.cve`. Unknown or wrongly typed fields land
 *   here too (leftovers.ts).
 */
export const ecsFormat: Format = jsonLineFormat('ecs', toEcs);

const BASE_SPEC = {
  ...EVENT_HEAD,
  severity: 's',
  start_timestamp: 'n',
  start_date: 's',
  computer: { hostname: 's', user: 's' },
  threat_hunting: { tactics: 'a', techniques: 'a' },
} as const;
const NET_BASE = {
  local_ip: 'ip',
  local_port: 'port',
  remote_ip: 'ip',
  remote_port: 'port',
  dirty_url: 's',
  nfm: { protocol: 's' },
} as const;
/** When file.parent is the process, network_info.parent stays vendor data. */
const CONSUMED_FILE_PARENT: Consumed = {
  ...BASE_SPEC,
  file: { file_name: 's', file_path: 's', identity: HASHES, parent: PARENT },
  network_info: NET_BASE,
};
const CONSUMED_NET_PARENT: Consumed = {
  ...BASE_SPEC,
  file: { file_name: 's', file_path: 's', identity: HASHES },
  network_info: { ...NET_BASE, parent: PARENT },
};

const SEVERITY: Record<SeverityWord, number> = { Low: 1, Medium: 2, High: 3, Critical: 4 };
/** The same for every record: built once, frozen (records are read, never changed, by the writers). */
const ECS_GROUP = Object.freeze({ version: ECS_VERSION });
const OBSERVER = Object.freeze({ vendor: 'Cisco', product: 'Secure Endpoint' });

export function toEcs(d: DecodedEvent): Record<string, unknown> {
  const e = d.event;
  const sem = semanticsOf(e.event_type_id);
  const related = newRelated();
  const f = obj(e.file);
  const n = obj(e.network_info);
  const fileParent = obj(f?.['parent']);
  const netParent = obj(n?.['parent']);
  const file = fileOf(f, related);
  const proc = processOf(fileParent ?? netParent, e, related);
  if (fileParent !== undefined) hashOf(netParent?.['identity'], related); // related only
  hashOf(obj(f?.['archived_file'])?.['identity'], related);
  const net = networkOf(n, related);
  const host = hostOf(e, related, str(f?.['file_path']));
  const user = userOf(e, related);
  const vuln = vulnerabilityOf(e);
  const cat = categorize(sem, {
    hasFileName: str(f?.['file_name']) !== undefined,
    malicious: f?.['disposition'] === 'Malicious',
  });
  const sev = severityWord(e.severity);
  const typeId = int(e.event_type_id);
  const detection = str(e.detection);
  const groups = arr(e.group_guids)?.filter((g): g is string => typeof g === 'string' && g.length > 0);
  return {
    '@timestamp': isoTime(e.timestamp, e.timestamp_nanoseconds) ?? isoFromDate(e.date),
    message: summaryOf(e),
    ecs: ECS_GROUP,
    event: {
      kind: cat.kind,
      category: cat.category,
      type: cat.type,
      outcome: cat.outcome,
      action: str(e.event_type),
      code: typeId === undefined ? undefined : String(typeId),
      id: str(e.id),
      severity: sev === undefined ? 0 : SEVERITY[sev],
      start: isoTime(e.start_timestamp),
      module: 'cisco_secure_endpoint',
      dataset: 'cisco_secure_endpoint.event',
      original: d.raw.toString('utf8'),
    },
    observer: OBSERVER,
    host,
    user,
    group: groups !== undefined && groups.length > 0 ? { id: groups } : undefined,
    file,
    process: proc,
    source: net.source,
    destination: net.destination,
    network: net.network,
    url: net.url,
    threat: threatOf(mitreOf(e)),
    rule: detection === undefined ? undefined : { name: detection },
    vulnerability: vuln.vulnerability,
    package: vuln.package,
    related: relatedOf(related),
    cisco: { secure_endpoint: vendorOf(e, fileParent !== undefined, related, vuln.cves) },
  };
}

function relatedOf(r: Related): Record<string, unknown> | undefined {
  if (r.hash.length + r.ip.length + r.hosts.length + r.user.length === 0) return undefined;
  return {
    hash: r.hash.length > 0 ? r.hash : undefined,
    ip: r.ip.length > 0 ? r.ip : undefined,
    hosts: r.hosts.length > 0 ? r.hosts : undefined,
    user: r.user.length > 0 ? r.user : undefined,
  };
}

function vendorOf(
  e: DecodedEvent['event'],
  fileParent: boolean,
  r: Related,
  cves: string[],
): Record<string, unknown> {
  const rest = leftovers(e, fileParent ? CONSUMED_FILE_PARENT : CONSUMED_NET_PARENT) as
    Record<string, unknown> | undefined;
  const out = rest ?? {};
  if (r.mac.length > 0 || cves.length > 0) {
    const own = obj(out['related']);
    out['related'] = {
      ...own,
      mac: r.mac.length > 0 ? r.mac : undefined,
      cve: cves.length > 0 ? cves : undefined,
    };
  }
  return out;
}

/** `date` as a UTC RFC 3339 string, when `timestamp` is unusable but `date` parses. */
function isoFromDate(v: unknown): string | undefined {
  const ms = dateMillis(v);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
