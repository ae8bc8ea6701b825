import { eventTypeClass, type EventTypeClass } from '../event/catalog.js';

/**
 * What an event type *means*, shared by the ECS, OCSF and CEF mappers so they agree.
 *
 * - `cls`: the class encoded in the top byte of `event_type_id` (docs/secure-endpoint-api.md §4.3:
 *   0x21/0x22 info or success, 0x41/0x42 threat or warning, 0x81/0x82 failure).
 * - `domain`: the subject (malware, quarantine, scan, isolation, …).
 * - `action`: what the control did (detected, quarantined, blocked, …).
 * - `alert`: whether the event is an alertable security signal. True for detections, blocks and
 *   failed remediations. Not every 0x41 type is a threat ("Update: Reboot Required", "Major Fault
 *   Raised" are warnings), and some 0x21 types are detections ("Retrospective Detection",
 *   "Execution Blocked"), so the table below decides, with the top byte as the fallback for
 *   type ids it does not know.
 */
export type Domain =
  | 'malware'
  | 'quarantine'
  | 'block'
  | 'exploit'
  | 'ioc'
  | 'network'
  | 'vulnerability'
  | 'scan'
  | 'incident'
  | 'isolation'
  | 'update'
  | 'install'
  | 'policy'
  | 'fault'
  | 'reboot'
  | 'fetch'
  | 'application'
  | 'account'
  | 'other';

export type Action =
  | 'detected'
  | 'quarantined'
  | 'blocked'
  | 'allowed'
  | 'restored'
  | 'deleted'
  | 'failed'
  | 'started'
  | 'completed'
  | 'none';

export interface Semantics {
  readonly cls: EventTypeClass;
  readonly domain: Domain;
  readonly action: Action;
  readonly alert: boolean;
}

type Entry = readonly [Domain, Action];

/** Event type id → meaning. Ids and names: docs/secure-endpoint-api.md §4.3. */
const TABLE: ReadonlyMap<number, Entry> = new Map<number, Entry>([
  // account (org-level, ids below 2^24)
  [1003, ['account', 'none']],
  [1004, ['account', 'none']],
  [1005, ['account', 'completed']],
  // 0x21 info / success
  [553648130, ['policy', 'completed']], // Policy Update
  [553648135, ['update', 'started']], // Product Update Started
  [553648136, ['update', 'completed']], // Product Update Completed
  [553648137, ['update', 'failed']], // Product Update Failed (0x21 id, failure meaning)
  [553648143, ['quarantine', 'quarantined']], // Threat Quarantined
  [553648145, ['malware', 'allowed']], // Threat Detected in Exclusion
  [553648146, ['quarantine', 'restored']], // Cloud Recall Restore of False Positive
  [553648147, ['malware', 'detected']], // Retrospective Detection
  [553648149, ['quarantine', 'restored']], // Quarantined Item Restored
  [553648150, ['quarantine', 'started']], // Quarantine Restore Started
  [553648151, ['quarantine', 'started']], // Attempting Quarantine Delete
  [553648152, ['quarantine', 'deleted']], // Quarantine Item Deleted
  [553648154, ['quarantine', 'restored']], // Cloud Recall Restore from Quarantine
  [553648155, ['quarantine', 'quarantined']], // Retrospective Quarantine
  [553648158, ['install', 'started']], // Install Started
  [553648166, ['install', 'deleted']], // Uninstall
  [553648168, ['block', 'blocked']], // Execution Blocked
  [553648170, ['reboot', 'none']], // Reboot Pending
  [553648171, ['reboot', 'completed']], // Reboot Completed
  [553648173, ['fetch', 'completed']], // File Fetch Completed
  [553648176, ['update', 'completed']], // Endpoint IOC Configuration Update Success
  [553648179, ['update', 'completed']], // Endpoint IOC Definition Update Success
  [553648195, ['fault', 'none']], // Minor Fault Raised
  [553648196, ['fault', 'completed']], // Fault Cleared
  [553648197, ['fault', 'completed']], // All Fault Cleared
  [553648199, ['block', 'blocked']], // Malicious Activity Block
  [553648202, ['isolation', 'started']], // Endpoint Isolation Start Success
  [553648204, ['isolation', 'completed']], // Endpoint Isolation Stop Success
  [553648206, ['isolation', 'none']], // Endpoint Isolation Update Success
  [553648208, ['install', 'completed']], // Orbital Install Success
  [553648210, ['update', 'completed']], // Orbital Update Success
  [553648215, ['isolation', 'none']], // Endpoint Isolation Unlock Limit Reached
  [553648222, ['malware', 'detected']], // Threat Detection
  [554696714, ['scan', 'started']], // Scan Started
  [554696715, ['scan', 'completed']], // Scan Completed, No Detections
  [554696756, ['scan', 'started']], // Endpoint IOC Scan Started
  [554696757, ['scan', 'completed']], // Endpoint IOC Scan Completed, No Detections
  [570425394, ['quarantine', 'started']], // Quarantine Restore Requested
  [570425396, ['application', 'none']], // Application Registered
  [570425397, ['application', 'none']], // Application Deregistered
  [570425398, ['application', 'none']], // Application Authorized
  [570425399, ['application', 'none']], // Application Deauthorized
  // 0x41 threat / warning
  [1090519054, ['malware', 'detected']], // Threat Detected
  [1090519081, ['malware', 'detected']], // Rootkit Detection
  [1090519084, ['network', 'detected']], // DFC Threat Detected
  [1090519089, ['scan', 'detected']], // Endpoint IOC Scan Detection Summary
  [1090519096, ['reboot', 'none']], // Update: Reboot Required (warning, not a threat)
  [1090519097, ['reboot', 'none']], // Update: Reboot Advised (warning)
  [1090519102, ['network', 'detected']], // iOS Network Detection
  [1090519103, ['exploit', 'blocked']], // Exploit Prevention (the engine stops the exploit)
  [1090519105, ['exploit', 'detected']], // Malicious Activity Detection
  [1090519107, ['fault', 'none']], // Major Fault Raised (warning)
  [1090519112, ['exploit', 'blocked']], // System Process Protection
  [1090524040, ['malware', 'detected']], // APK Threat Detected
  [1090524041, ['malware', 'detected']], // APK Custom Threat Detected
  [1091567628, ['scan', 'detected']], // Scan Completed With Detections
  [1091567670, ['scan', 'detected']], // Endpoint IOC Scan Completed With Detections
  // 0x42 threat (indications of compromise); unlisted 0x42 ids fall back to ioc/detected
  [1107296272, ['malware', 'detected']], // Executed malware
  [1107296273, ['network', 'detected']], // Suspected botnet connection
  [1107296277, ['network', 'detected']], // Connection to suspicious domain
  [1107296278, ['malware', 'detected']], // Threat Detected in Low Prevalence Executable
  [1107296279, ['vulnerability', 'detected']], // Vulnerable Application Detected
  [1107296280, ['network', 'detected']], // Suspicious Download
  [1107296285, ['incident', 'detected']], // Cognitive Incident
  [1107296344, ['incident', 'detected']], // SecureX Threat Hunting Incident
  // 0x81/0x82 failure
  [2164260866, ['policy', 'failed']], // Policy Update Failure
  [2164260880, ['quarantine', 'failed']], // Quarantine Failure
  [2164260884, ['quarantine', 'failed']], // Quarantine Restore Failed
  [2164260889, ['quarantine', 'failed']], // Failed to Delete From Quarantine
  [2164260892, ['quarantine', 'failed']], // Cloud Recall Restore from Quarantine Failed
  [2164260893, ['quarantine', 'failed']], // Retrospective Quarantine Attempt Failed
  [2164260895, ['install', 'failed']], // Install Failure
  [2164260903, ['install', 'failed']], // Uninstall Failure
  [2164260910, ['fetch', 'failed']], // File Fetch Failed
  [2164260911, ['update', 'failed']], // Endpoint IOC Configuration Update Failure
  [2164260914, ['update', 'failed']], // Endpoint IOC Definition Update Failure
  [2164260922, ['reboot', 'failed']], // Update: Unexpected Reboot Required
  [2164260931, ['fault', 'failed']], // Critical Fault Raised
  [2164260939, ['isolation', 'failed']], // Endpoint Isolation Start Failure
  [2164260941, ['isolation', 'failed']], // Endpoint Isolation Stop Failure
  [2164260943, ['isolation', 'failed']], // Endpoint Isolation Update Failure
  [2164260945, ['install', 'failed']], // Orbital Install Failure
  [2164260947, ['update', 'failed']], // Orbital Update Failure
  [2165309453, ['scan', 'failed']], // Scan Failed
  [2165309495, ['scan', 'failed']], // Endpoint IOC Scan Failed
  [2181038130, ['quarantine', 'failed']], // Quarantine Request Failed to be Delivered
]);

/** True when the table names this event type id (others fall back to the top-byte class). */
export function hasExplicitSemantics(eventTypeId: number): boolean {
  return TABLE.has(eventTypeId);
}

/** Quarantine failures leave a threat in place: they stay alertable. */
function isAlert(domain: Domain, action: Action): boolean {
  if (action === 'detected' || action === 'blocked' || action === 'allowed') return true;
  return domain === 'quarantine' && action === 'failed';
}

function fallback(cls: EventTypeClass, id: number): Entry {
  if (cls === 'failure') return ['other', 'failed'];
  if (cls === 'threat')
    return Math.floor(id / 0x1000000) === 0x42 ? ['ioc', 'detected'] : ['other', 'detected'];
  return ['other', 'none'];
}

const cache = new Map<number, Semantics>();

/** The meaning of an event type id (memoised: there are only ~120 ids). */
export function semanticsOf(eventTypeId: unknown): Semantics {
  const id = typeof eventTypeId === 'number' && Number.isSafeInteger(eventTypeId) ? eventTypeId : -1;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const cls = id < 0 ? 'info' : eventTypeClass(id);
  const [domain, action] = TABLE.get(id) ?? fallback(cls, id);
  const s: Semantics = { cls, domain, action, alert: isAlert(domain, action) };
  if (cache.size < 4096) cache.set(id, s); // bounded: random ids must not grow memory
  return s;
}

/**
 * The outcome of the action the event reports: failure for failed actions, success for
 * completed ones (quarantined, restored, deleted, "… Success"), undefined when the event does
 * not report a finished action (detections, blocks, starts).
 */
export function outcomeOf(sem: Semantics): 'success' | 'failure' | undefined {
  switch (sem.action) {
    case 'failed':
      return 'failure';
    case 'completed':
    case 'quarantined':
    case 'restored':
    case 'deleted':
      return 'success';
    case 'started':
    case 'none':
      return sem.domain === 'isolation' ? 'success' : undefined;
    case 'detected':
    case 'blocked':
    case 'allowed':
      return undefined;
  }
}
