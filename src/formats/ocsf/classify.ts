import type { Domain, Semantics } from '../semantics.js';

/**
 * Which OCSF class (and which activity, status and security-control outcome) a Secure
 * Endpoint event type becomes. Only the `findings/*` classes and the Base Event exist in the
 * schema this project validates against (OCSF 1.9.0-dev subset), so:
 *
 * | Secure Endpoint events                                  | OCSF class                    | activity_id        | status_id            | action_id / disposition_id         |
 * |---------------------------------------------------------|-------------------------------|--------------------|----------------------|------------------------------------|
 * | detections: Threat Detected, Retrospective Detection,   | Detection Finding (2004)      | 1 Create           | 1 New                | 3 Observed / 15 Detected           |
 * |   Executed malware, Rootkit, APK, DFC/network, IOC,     |                               |                    |                      |   (IOC, incidents, behaviour:      |
 * |   Malicious Activity Detection, Threat Hunting, …       |                               |                    |                      |    3 Observed / 19 Alert)          |
 * | blocks: Execution Blocked, Malicious Activity Block,    | Detection Finding (2004)      | 1 Create           | 1 New                | 2 Denied / 2 Blocked               |
 * |   Exploit Prevention, System Process Protection         |                               |                    |                      |                                    |
 * | Threat Detected in Exclusion                            | Detection Finding (2004)      | 1 Create           | 1 New                | 1 Allowed / 1 Allowed              |
 * | Threat Quarantined, Retrospective Quarantine            | Detection Finding (2004)      | 2 Update           | 4 Resolved           | 2 Denied / 3 Quarantined           |
 * | Quarantine Item Deleted                                 | Detection Finding (2004)      | 2 Update           | 4 Resolved           | 2 Denied / 5 Deleted               |
 * | quarantine failures (Quarantine Failure, …)             | Detection Finding (2004)      | 2 Update           | 1 New                | 0 Unknown / 13 Uncorrected         |
 * | restores (… Restore of False Positive, Item Restored)   | Detection Finding (2004)      | 3 Close            | 3 Suppressed         | 4 Modified / 9 Restored            |
 * | restore/delete requested or started                     | Detection Finding (2004)      | 2 Update           | 2 In Progress        | —                                  |
 * | Scan Completed With Detections, IOC scan detections     | Detection Finding (2004)      | 1 Create           | 1 New                | 3 Observed / 15 Detected           |
 * | Vulnerable Application Detected                         | Vulnerability Finding (2002)  | 1 Create           | 1 New                | —                                  |
 * | scans, isolation, policy, product update, install,      | Base Event (0): the schema's  | 99 Other           | 1 Success / 2 Failure| isolation: 2 Denied / 4 Isolated   |
 * |   faults, reboots, file fetch, applications, account    | "generic … event … not        | (activity_name =   |                      |   (stop: 1 Allowed / 1 Allowed)    |
 * |   events, and unknown non-threat types                  |  otherwise defined" class     |  event_type)       |                      |                                    |
 *
 * Unknown threat-class type ids are Detection Findings (Create / New / Observed, Alert); unknown
 * failure-class ids are Base Events with status Failure. `is_alert` = Semantics.alert.
 */
export type OcsfClass = 'detection_finding' | 'vulnerability_finding' | 'base_event';

export interface OcsfPlan {
  readonly cls: OcsfClass;
  readonly activityId: number;
  /** Finding lifecycle status (findings) or outcome status (base event). */
  readonly statusId: number;
  /** Security Control profile outcome, when there is one. */
  readonly control: { readonly actionId: number; readonly dispositionId: number } | undefined;
}

const FINDING_DOMAINS: ReadonlySet<Domain> = new Set<Domain>([
  'malware',
  'quarantine',
  'block',
  'exploit',
  'ioc',
  'network',
  'incident',
]);
const ALERT_DOMAINS: ReadonlySet<Domain> = new Set<Domain>(['ioc', 'incident', 'exploit', 'other']);

export function planOf(sem: Semantics, hasVulnerabilities: boolean): OcsfPlan {
  const { domain, action } = sem;
  if (domain === 'vulnerability' && hasVulnerabilities) {
    return { cls: 'vulnerability_finding', activityId: 1, statusId: 1, control: undefined };
  }
  const finding =
    FINDING_DOMAINS.has(domain) || action === 'detected' || (domain === 'other' && sem.cls === 'threat');
  if (!finding) return basePlan(sem);
  switch (action) {
    case 'detected':
    case 'none':
    case 'completed':
      return {
        cls: 'detection_finding',
        activityId: 1,
        statusId: 1,
        control: { actionId: 3, dispositionId: ALERT_DOMAINS.has(domain) ? 19 : 15 },
      };
    case 'blocked':
      return {
        cls: 'detection_finding',
        activityId: 1,
        statusId: 1,
        control: { actionId: 2, dispositionId: 2 },
      };
    case 'allowed':
      return {
        cls: 'detection_finding',
        activityId: 1,
        statusId: 1,
        control: { actionId: 1, dispositionId: 1 },
      };
    case 'quarantined':
      return {
        cls: 'detection_finding',
        activityId: 2,
        statusId: 4,
        control: { actionId: 2, dispositionId: 3 },
      };
    case 'deleted':
      return {
        cls: 'detection_finding',
        activityId: 2,
        statusId: 4,
        control: { actionId: 2, dispositionId: 5 },
      };
    case 'failed':
      return {
        cls: 'detection_finding',
        activityId: 2,
        statusId: 1,
        control: { actionId: 0, dispositionId: 13 },
      };
    case 'restored':
      return {
        cls: 'detection_finding',
        activityId: 3,
        statusId: 3,
        control: { actionId: 4, dispositionId: 9 },
      };
    case 'started':
      return { cls: 'detection_finding', activityId: 2, statusId: 2, control: undefined };
  }
}

function basePlan(sem: Semantics): OcsfPlan {
  const statusId = sem.action === 'failed' ? 2 : 1;
  let control: OcsfPlan['control'];
  if (sem.domain === 'isolation' && sem.action !== 'failed') {
    control =
      sem.action === 'completed' ? { actionId: 1, dispositionId: 1 } : { actionId: 2, dispositionId: 4 };
  }
  return { cls: 'base_event', activityId: 99, statusId, control };
}

/** Captions of the enum values used above (OCSF dictionary / class files). */
export const CAPTIONS = {
  activity: { 1: 'Create', 2: 'Update', 3: 'Close', 99: 'Other' } as Record<number, string>,
  findingStatus: { 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved' } as Record<number, string>,
  eventStatus: { 1: 'Success', 2: 'Failure' } as Record<number, string>,
  action: { 0: 'Unknown', 1: 'Allowed', 2: 'Denied', 3: 'Observed', 4: 'Modified' } as Record<number, string>,
  disposition: {
    1: 'Allowed',
    2: 'Blocked',
    3: 'Quarantined',
    4: 'Isolated',
    5: 'Deleted',
    9: 'Restored',
    13: 'Uncorrected',
    15: 'Detected',
    19: 'Alert',
  } as Record<number, string>,
  severity: { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' } as Record<
    number,
    string
  >,
};
