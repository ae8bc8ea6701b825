import type { DecodedEvent, SecureEndpointEvent } from '../../event/types.js';
import { EVENT_HEAD, HASHES, leftovers, PARENT, type Consumed } from '../leftovers.js';
import { semanticsOf, type Semantics } from '../semantics.js';
import { mitreOf, summaryOf, titleOf } from '../summary.js';
import type { Format } from '../types.js';
import {
  dateMillis,
  epochMillis,
  int,
  jsonLineFormat,
  obj,
  severityWord,
  str,
  type SeverityWord,
} from '../util.js';
import { CAPTIONS, planOf, type OcsfPlan } from './classify.js';
import { attacksOf, deviceOf, evidencesOf, malwareOf, vulnerabilitiesOf } from './objects.js';
import { observablesOf } from './observables.js';

/** The OCSF schema version the output follows (`version.json` of the reference schema; a test checks it). */
export const OCSF_VERSION = '1.9.0-dev';

/**
 * `ocsf`: one OCSF event per line. Class choice, activity, status and security-control outcome:
 * classify.ts (the mapping table); objects: objects.ts. Common attributes (base_event.json,
 * finding.json, detection_finding.json, vulnerability_finding.json):
 *
 * - class_uid = category_uid × 1000 + class uid (Detection Finding 2004, Vulnerability Finding
 *   2002, Base Event 0); type_uid = class_uid × 100 + activity_id; captions (class_name,
 *   category_name, activity_name, type_name, severity, status) next to their ids.
 * - time (timestamp_t, epoch ms, required) ← timestamp + timestamp_nanoseconds;
 *   timezone_offset 0 (Cisco dates are UTC); start_time ← start_timestamp (findings).
 * - severity_id (required): Low 2, Medium 3, High 4, Critical 5; absent → 1 Informational for
 *   info-class types, 0 Unknown otherwise.
 * - metadata (required): version, product {name "Secure Endpoint", vendor_name "Cisco"},
 *   profiles ("security_control" when its attributes are used, "host" for a Base Event
 *   with a device), uid ← id (decimal string),
 *   original_time ← date, event_code ← event_type_id, correlation_uid ← detection_id (links a
 *   detection to its quarantine / failure events).
 * - finding_info (required for findings): uid ← detection_id (so Create/Update/Close of one
 *   detection share a finding; the threat-hunting report GUID for incidents; else id), title,
 *   desc, types [event_type], analytic {uid event_type_id, name, type_id}, attacks (MITRE),
 *   first_seen_time/last_seen_time (incidents), src_url ← computer.links.trajectory.
 * - Detection Finding: is_alert, malware[] (name ← detection, classification_ids from the name,
 *   required), evidences[] (file, process, network), malware_scan_info (scans), remediation
 *   (threat hunting), and with the Security Control profile: action_id, disposition_id, attacks.
 * - observables[] (hostname, IPs, MACs, user, file names, hashes, process names, URLs): observables.ts.
 * - status_code/status_detail ← error.error_code/description; message ← one-line summary;
 *   device (Host profile, unconditional in findings); unmapped ← every field not mapped
 *   (leftovers.ts), ids kept as strings.
 */
export const ocsfFormat: Format = jsonLineFormat('ocsf', toOcsf);

const COMMON = {
  ...EVENT_HEAD,
  event_type_id: 'n',
  detection_id: 's',
  connector_guid: 's',
  group_guids: 'a',
  severity: 's',
  computer: { connector_guid: 's', hostname: 's', user: 's', network_addresses: [{ ip: 'ip', mac: 'mac' }] },
  error: { error_code: 'n', description: 's' },
} as const;
const FINDING_SPEC: Consumed = {
  ...COMMON,
  detection: 's',
  start_timestamp: 'n',
  start_date: 's',
  file: { file_name: 's', file_path: 's', identity: HASHES, parent: PARENT },
  network_info: {
    local_ip: 'ip',
    local_port: 'port',
    remote_ip: 'ip',
    remote_port: 'port',
    dirty_url: 's',
    nfm: { direction: 's', protocol: 's' },
    parent: PARENT,
  },
  cloud_ioc: { short_description: 's', description: 's' },
  threat_hunting: {
    incident_report_guid: 's',
    incident_title: 's',
    incident_summary: 's',
    incident_remediation: 's',
    incident_start_time: 'n',
    incident_end_time: 'n',
    tactics: 'a',
    techniques: 'a',
  },
  tactics: 'a',
  techniques: 'a',
  scan: { description: 's', scanned_files: 'n', malicious_detections: 'n' },
  vulnerabilities: [{ name: 's', version: 's', cve: 's', url: 's' }],
};
const BASE_SPEC: Consumed = {
  ...COMMON,
  scan: { description: 's', scanned_files: 'n', malicious_detections: 'n' },
};

const CONTROL = ['security_control'];
const HOST = ['host'];
const CONTROL_AND_HOST = ['security_control', 'host'];
const SEVERITY: Record<SeverityWord, number> = { Low: 2, Medium: 3, High: 4, Critical: 5 };
const PRODUCT = { name: 'Secure Endpoint', vendor_name: 'Cisco' };
const CLASS_INFO = {
  detection_finding: {
    classUid: 2004,
    categoryUid: 2,
    className: 'Detection Finding',
    categoryName: 'Findings',
  },
  vulnerability_finding: {
    classUid: 2002,
    categoryUid: 2,
    className: 'Vulnerability Finding',
    categoryName: 'Findings',
  },
  base_event: { classUid: 0, categoryUid: 0, className: 'Base Event', categoryName: 'Uncategorized' },
} as const;

export function toOcsf(d: DecodedEvent): Record<string, unknown> {
  const e = d.event;
  const sem = semanticsOf(e.event_type_id);
  const vulns = sem.domain === 'vulnerability' ? vulnerabilitiesOf(e) : undefined;
  const plan = planOf(sem, vulns !== undefined);
  const finding = plan.cls !== 'base_event';
  const scanInfo = scanInfoOf(e);
  const useControl = plan.control !== undefined || plan.cls === 'detection_finding' || scanInfo !== undefined;
  const device = deviceOf(e);
  // Findings re-declare `device` outside any profile; the Base Event has it from the Host profile.
  const hostProfile = !finding && device !== undefined;
  const profiles = useControl ? (hostProfile ? CONTROL_AND_HOST : CONTROL) : hostProfile ? HOST : undefined;
  const out = classification(e, sem, plan);
  out['message'] = summaryOf(e);
  out['metadata'] = metadataOf(e, profiles);
  out['device'] = device;
  const attacks = finding ? attacksOf(mitreOf(e)) : undefined;
  if (finding) addFinding(out, e, plan, attacks);
  if (plan.cls === 'vulnerability_finding') out['vulnerabilities'] = vulns;
  if (plan.control !== undefined) {
    out['action_id'] = plan.control.actionId;
    out['action'] = CAPTIONS.action[plan.control.actionId];
    out['disposition_id'] = plan.control.dispositionId;
    out['disposition'] = CAPTIONS.disposition[plan.control.dispositionId];
  }
  if (useControl && attacks !== undefined) out['attacks'] = attacks;
  if (scanInfo !== undefined) out['malware_scan_info'] = scanInfo;
  const observables = observablesOf(out);
  if (observables !== undefined) out['observables'] = observables;
  const rest = leftovers(e, finding ? FINDING_SPEC : BASE_SPEC);
  if (rest !== undefined) out['unmapped'] = rest;
  return out;
}

/** Class identity, activity, time, severity and status (the required classification block). */
function classification(e: SecureEndpointEvent, sem: Semantics, plan: OcsfPlan): Record<string, unknown> {
  const info = CLASS_INFO[plan.cls];
  const finding = plan.cls !== 'base_event';
  const sev = severityWord(e.severity) ?? severityWord(obj(e.threat_hunting)?.['severity']);
  const severityId = sev !== undefined ? SEVERITY[sev] : sem.cls === 'info' ? 1 : 0;
  const activity = plan.activityId === 99 ? 'Other' : CAPTIONS.activity[plan.activityId];
  const error = obj(e.error);
  const errorCode = int(error?.['error_code']);
  return {
    class_uid: info.classUid,
    class_name: info.className,
    category_uid: info.categoryUid,
    category_name: info.categoryName,
    activity_id: plan.activityId,
    activity_name: plan.activityId === 99 ? (str(e.event_type) ?? 'Other') : activity,
    type_uid: info.classUid * 100 + plan.activityId,
    type_name: `${info.className}: ${activity ?? 'Other'}`,
    time: epochMillis(e.timestamp, e.timestamp_nanoseconds) ?? dateMillis(e.date) ?? 0,
    timezone_offset: 0,
    severity_id: severityId,
    severity: CAPTIONS.severity[severityId],
    status_id: plan.statusId,
    status: (finding ? CAPTIONS.findingStatus : CAPTIONS.eventStatus)[plan.statusId],
    status_code: errorCode === undefined ? undefined : String(errorCode),
    status_detail: str(error?.['description']),
  };
}

function metadataOf(e: SecureEndpointEvent, profiles: string[] | undefined): Record<string, unknown> {
  const typeId = int(e.event_type_id);
  return {
    version: OCSF_VERSION,
    product: PRODUCT,
    profiles,
    uid: str(e.id),
    original_time: str(e.date),
    event_code: typeId === undefined ? undefined : String(typeId),
    correlation_uid: str(e.detection_id),
  };
}

function addFinding(
  out: Record<string, unknown>,
  e: SecureEndpointEvent,
  plan: OcsfPlan,
  attacks: unknown,
): void {
  const th = obj(e.threat_hunting);
  const ioc = obj(e.cloud_ioc);
  const sem = semanticsOf(e.event_type_id);
  const typeId = int(e.event_type_id);
  const detection = str(e.detection);
  const incidentStart = int(th?.['incident_start_time']);
  const incidentEnd = int(th?.['incident_end_time']);
  const start = int(e.start_timestamp);
  out['finding_info'] = {
    uid: str(th?.['incident_report_guid']) ?? str(e.detection_id) ?? str(e.id) ?? 'unknown',
    title: titleOf(e),
    desc: str(th?.['incident_summary']) ?? str(ioc?.['description']),
    types: [str(e.event_type) ?? 'Unknown'],
    analytic: {
      uid: typeId === undefined ? undefined : String(typeId),
      name: detection ?? str(ioc?.['short_description']) ?? str(e.event_type) ?? 'Secure Endpoint',
      type_id: sem.domain === 'ioc' ? 1 : sem.domain === 'exploit' ? 2 : 0,
      type: sem.domain === 'ioc' ? 'Rule' : sem.domain === 'exploit' ? 'Behavioral' : 'Unknown',
    },
    attacks,
    first_seen_time: incidentStart === undefined ? undefined : incidentStart * 1000,
    last_seen_time: incidentEnd === undefined ? undefined : incidentEnd * 1000,
    src_url: str(obj(obj(obj(e.computer)?.['links']))?.['trajectory']),
  };
  if (start !== undefined) out['start_time'] = start * 1000;
  if (plan.cls !== 'detection_finding') return;
  out['is_alert'] = sem.alert;
  const malwareDomain =
    sem.domain === 'malware' ||
    sem.domain === 'quarantine' ||
    sem.domain === 'block' ||
    sem.domain === 'scan' ||
    sem.domain === 'other';
  if (detection !== undefined && malwareDomain)
    out['malware'] = [malwareOf(detection, typeId === 1090519081)];
  out['evidences'] = evidencesOf(e);
  const remediation = str(th?.['incident_remediation']);
  if (remediation !== undefined) out['remediation'] = { desc: remediation };
}

/** malware_scan_info (Security Control profile) from `scan`: name/type ← description, counts. */
function scanInfoOf(e: SecureEndpointEvent): Record<string, unknown> | undefined {
  const s = obj(e.scan);
  if (s === undefined) return undefined;
  const name = str(s['description']) ?? str(e.event_type);
  if (name === undefined) return undefined;
  const files = int(s['scanned_files']);
  const infected = int(s['malicious_detections']);
  return {
    name,
    type_id: 99,
    type: name,
    num_files: files !== undefined && files >= 0 && files <= 0x7fffffff ? files : undefined,
    num_infected: infected !== undefined && infected >= 0 && infected <= 0x7fffffff ? infected : undefined,
  };
}
