import { isIPv4 } from 'node:net';
import type { DecodedEvent, SecureEndpointEvent } from '../../event/types.js';
import { outcomeOf, semanticsOf, type Action } from '../semantics.js';
import { mitreOf, summaryOf } from '../summary.js';
import type { Format } from '../types.js';
import {
  arr,
  dateMillis,
  epochMillis,
  int,
  ip,
  mac,
  obj,
  port,
  severityWord,
  splitUser,
  str,
  type Obj,
} from '../util.js';
import { escapeHeader, escapeValue, truncate } from './escape.js';

/**
 * `cef`: ArcSight Common Event Format, one line per event.
 *
 * Header (CEF spec): `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class
 * ID|Name|Severity|Extension` → `CEF:0|Cisco|Secure Endpoint|v1|<event_type_id>|<event_type>|
 * <severity>|…`. "Device Vendor, Device Product and Device Version ... uniquely identify the type
 * of sending device"; Device Version is the Event Stream API version (`v1`): events do not carry
 * the connector's version. "Severity ... 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High":
 * Low→3, Medium→5, High→8, Critical→10; no severity → by the type-id class: info 1,
 * failure 5, threat 7. Name at most 512 characters.
 *
 * Extension keys (CEF key dictionary; maximum lengths in characters applied before escaping):
 * rt (event time, ms since epoch), externalId (id, 40), cat (type-id class: threat | info |
 * failure, 1023), act (quarantine | block | allow | alert | restore | delete | failed, 63),
 * outcome (success | failure, 63), msg (description or summary, 1023), dvchost (100) / dvc
 * (IPv4) / dvcmac / deviceExternalId (the endpoint: hostname, first internal address, MAC,
 * connector GUID), dhost/duser/dntdom — or shost/suser/sntdom when the endpoint opened the
 * connection — (1023/1023/255), src/spt/dst/dpt/proto/deviceDirection (network_info, initiator
 * = source; IPv6 addresses in c6a2 / c6a4 / c6a3 with their labels), request (dirty_url, 1023),
 * fname/filePath (1023), fileHash (SHA-256, else SHA-1, else MD5; 255), fileType (1023),
 * sproc/spid/deviceProcessName (parent process), start (start_timestamp, ms), cn1 "Error Code",
 * cs1 "Detection", cs2 "Connector GUID", cs3 "Group GUIDs" (comma separated), cs4 "Detection
 * ID", cs5 "MITRE ATT&CK" (technique and tactic ids), cs6 "CVE" or "IOC" (4000 each).
 */
export const cefFormat: Format = {
  name: 'cef',
  kind: 'text',
  render: (d) => toCef(d),
};

export const CEF_DEVICE_VERSION = 'v1';
const HEADER_PREFIX = 'CEF:0|Cisco|Secure Endpoint|v1|';
const NAME_MAX = 512;
const SEVERITY = { Low: 3, Medium: 5, High: 8, Critical: 10 } as const;
const CLASS_SEVERITY = { info: 1, failure: 5, threat: 7 } as const;
const ACT: Partial<Record<Action, string>> = {
  quarantined: 'quarantine',
  blocked: 'block',
  allowed: 'allow',
  detected: 'alert',
  restored: 'restore',
  deleted: 'delete',
  failed: 'failed',
};

class Ext {
  #s = '';
  add(key: string, value: string | number | undefined, max = 1023): boolean {
    if (value === undefined) return false;
    const v = typeof value === 'number' ? String(value) : escapeValue(truncate(value, max));
    if (v.length === 0) return false;
    this.#s += this.#s.length === 0 ? `${key}=${v}` : ` ${key}=${v}`;
    return true;
  }
  /** A custom string/number field and its label. */
  custom(key: string, label: string, value: string | number | undefined, max = 4000): void {
    if (this.add(key, value, max)) this.add(`${key}Label`, label);
  }
  toString(): string {
    return this.#s;
  }
}

export function toCef(d: DecodedEvent): string {
  const e = d.event;
  const sem = semanticsOf(e.event_type_id);
  const typeId = int(e.event_type_id);
  const sev = severityWord(e.severity);
  const severity = sev === undefined ? CLASS_SEVERITY[sem.cls] : SEVERITY[sev];
  const name = escapeHeader(truncate(str(e.event_type) ?? `Event type ${typeId ?? 'unknown'}`, NAME_MAX));
  const ext = new Ext();
  ext.add('rt', epochMillis(e.timestamp, e.timestamp_nanoseconds) ?? dateMillis(e.date));
  ext.add('externalId', str(e.id), 40);
  ext.add('cat', sem.cls);
  ext.add('act', ACT[sem.action], 63);
  ext.add('outcome', outcomeOf(sem), 63);
  ext.add('msg', descriptionOf(e) ?? summaryOf(e));
  const n = obj(e.network_info);
  const endpointIsSource = addNetwork(ext, n);
  addEndpoint(ext, e, endpointIsSource);
  addFile(ext, obj(e.file), obj(obj(e.file)?.['parent']) ?? obj(n?.['parent']));
  ext.add('start', startMillis(e.start_timestamp));
  const code = int(obj(e.error)?.['error_code']);
  ext.custom('cn1', 'Error Code', code);
  addCustomStrings(ext, e);
  return `${HEADER_PREFIX}${typeId ?? 'unknown'}|${name}|${severity}|${ext.toString()}`;
}

function descriptionOf(e: SecureEndpointEvent): string | undefined {
  return str(obj(e.cloud_ioc)?.['description']) ?? str(obj(e.threat_hunting)?.['incident_summary']);
}

function startMillis(v: unknown): number | undefined {
  const s = int(v);
  return s === undefined ? undefined : s * 1000;
}

/** The endpoint: the reporting device, and the target (d*) unless it opened the connection (s*). */
function addEndpoint(ext: Ext, e: SecureEndpointEvent, isSource: boolean): void {
  const c = obj(e.computer);
  const host = str(c?.['hostname']);
  let firstIp: string | undefined;
  let firstMac: string | undefined;
  for (const a of arr(c?.['network_addresses']) ?? []) {
    const o = obj(a);
    firstIp ??= ip(o?.['ip']);
    firstMac ??= mac(o?.['mac']);
  }
  ext.add('dvchost', host, 100);
  if (firstIp !== undefined) {
    if (isIPv4(firstIp)) ext.add('dvc', firstIp);
    else ext.custom('c6a3', 'Device IPv6 Address', firstIp);
  }
  ext.add('dvcmac', firstMac?.replaceAll('-', ':').toUpperCase());
  ext.add('deviceExternalId', str(c?.['connector_guid']) ?? str(e.connector_guid), 255);
  const user = splitUser(c?.['user']);
  ext.add(isSource ? 'shost' : 'dhost', host);
  ext.add(isSource ? 'suser' : 'duser', user?.name);
  ext.add(isSource ? 'sntdom' : 'dntdom', user?.domain, 255);
}

/** network_info → src/dst by direction. Returns true when the endpoint is the source. */
function addNetwork(ext: Ext, n: Obj | undefined): boolean {
  if (n === undefined) return false;
  const dir = str(obj(n['nfm'])?.['direction']);
  const incoming = dir?.startsWith('Incoming') === true;
  const [srcIp, srcPort, dstIp, dstPort] = incoming
    ? [n['remote_ip'], n['remote_port'], n['local_ip'], n['local_port']]
    : [n['local_ip'], n['local_port'], n['remote_ip'], n['remote_port']];
  addIp(ext, 'src', 'c6a2', 'Source IPv6 Address', srcIp);
  ext.add('spt', port(srcPort));
  addIp(ext, 'dst', 'c6a4', 'Destination IPv6 Address', dstIp);
  ext.add('dpt', port(dstPort));
  ext.add('proto', str(obj(n['nfm'])?.['protocol'])?.toUpperCase(), 31);
  if (dir !== undefined)
    ext.add('deviceDirection', incoming ? 0 : dir.startsWith('Outgoing') ? 1 : undefined);
  ext.add('request', str(n['dirty_url']));
  return dir !== undefined && !incoming;
}

function addIp(ext: Ext, key: string, v6Key: string, v6Label: string, v: unknown): void {
  const a = ip(v);
  if (a === undefined) return;
  if (isIPv4(a)) ext.add(key, a);
  else ext.custom(v6Key, v6Label, a);
}

function addFile(ext: Ext, f: Obj | undefined, parent: Obj | undefined): void {
  const id = obj(f?.['identity']);
  ext.add('fname', str(f?.['file_name']));
  ext.add('filePath', str(f?.['file_path']));
  ext.add('fileHash', str(id?.['sha256']) ?? str(id?.['sha1']) ?? str(id?.['md5']), 255);
  ext.add('fileType', str(f?.['file_type']));
  const pname = str(parent?.['file_name']);
  const pid = int(parent?.['process_id']);
  ext.add('sproc', pname);
  ext.add('spid', pid !== undefined && pid >= 0 ? pid : undefined);
  ext.add('deviceProcessName', pname);
}

function addCustomStrings(ext: Ext, e: SecureEndpointEvent): void {
  ext.custom('cs1', 'Detection', str(e.detection));
  ext.custom('cs2', 'Connector GUID', str(e.connector_guid) ?? str(obj(e.computer)?.['connector_guid']));
  const groups = arr(e.group_guids)?.filter((g): g is string => typeof g === 'string' && g.length > 0);
  ext.custom('cs3', 'Group GUIDs', groups !== undefined && groups.length > 0 ? groups.join(',') : undefined);
  ext.custom('cs4', 'Detection ID', str(e.detection_id));
  const m = mitreOf(e);
  const ids = [...m.techniques, ...m.tactics].map((x) => x.id).filter((x): x is string => x !== undefined);
  ext.custom('cs5', 'MITRE ATT&CK', ids.length > 0 ? ids.join(',') : undefined);
  const cves = arr(e.vulnerabilities)
    ?.map((v) => str(obj(v)?.['cve']))
    .filter((x): x is string => x !== undefined);
  if (cves !== undefined && cves.length > 0) ext.custom('cs6', 'CVE', cves.join(','));
  else ext.custom('cs6', 'IOC', str(obj(e.cloud_ioc)?.['short_description']));
}
