import { type Builder, cleanParent, rngUuid, startFields } from './common.js';

/**
 * Builders for operational events: scans, policy and product updates, isolation,
 * vulnerable applications and threat-hunting incidents (docs/secure-endpoint-api.md §4.4 E6, E8, E9 and
 * the §4.1-4.2 objects `scan`, `isolation`, `bp_data`, `vulnerabilities`, `threat_hunting`).
 */

const SCAN_KINDS = ['Flash Scan', 'Full Scan', 'Custom Scan'] as const;

/** Scan Started (554696714): `scan` with the description only ([I] docs/secure-endpoint-api.md §4.4, E9) */
export const scanStarted: Builder = (input) => ({ scan: { description: input.rng.pick(SCAN_KINDS) } });

function scanCounters(input: Parameters<Builder>[0], detections: number): Record<string, unknown> {
  const full = input.rng.chance(0.2);
  return {
    description: full ? 'Full Scan' : 'Flash Scan',
    clean: detections === 0,
    scanned_files: full ? input.rng.int(150_000, 600_000) : input.rng.int(1500, 6000),
    scanned_processes: input.rng.int(40, 220),
    scanned_paths: full ? input.rng.int(1, 20) : 0,
    malicious_detections: detections,
  };
}

/** E9 — Scan Completed, No Detections (554696715) */
export const scanCompletedClean: Builder = (input) => ({ scan: scanCounters(input, 0) });

/** Scan Completed With Detections (1091567628) */
export const scanCompletedDetections: Builder = (input) => ({
  detection: input.sample.detection,
  severity: 'High',
  scan: scanCounters(input, input.rng.int(1, 4)),
});

/** E8 — Policy Update (553648130): minimal, no severity, no file */
export const policyUpdate: Builder = () => ({});

/** Endpoint Isolation Start/Stop Success (553648202 / 553648204) */
export const isolation: Builder = (input) => ({
  isolation: {
    duration: input.rng.int(60, 7200),
    user: `${input.rng.pick(['secops', 'analyst', 'admin'])}@${input.fleet.domain.toLowerCase()}.example`,
  },
});

/** Product Update Started/Completed (553648135 / 553648136): `bp_data` */
export const productUpdate: Builder = (input) => ({
  bp_data: {
    package_manager_serial_number: input.rng.int(100, 999),
    package_manager_current_version: input.computer.connectorVersion,
    package_manager_pending_version: input.computer.connectorVersion.replace(
      /\.(\d+)$/,
      (_, n: string) => `.${Number(n) + 1}`,
    ),
    sts: input.rng.pick(['downloading', 'installing', 'complete']),
  },
});

const VULNERABLE_APPS = [
  {
    name: 'Microsoft Office',
    version: '2013',
    file: 'WINWORD.EXE',
    cves: ['CVE-2015-1641', 'CVE-2017-11826', 'CVE-2017-0199'],
  },
  {
    name: 'Adobe Acrobat Reader',
    version: '19.010.20069',
    file: 'AcroRd32.exe',
    cves: ['CVE-2019-7089', 'CVE-2019-8014'],
  },
  {
    name: 'Google Chrome',
    version: '96.0.4664.45',
    file: 'chrome.exe',
    cves: ['CVE-2021-4102', 'CVE-2021-38003'],
  },
  {
    name: 'Mozilla Firefox',
    version: '91.0',
    file: 'firefox.exe',
    cves: ['CVE-2021-29988', 'CVE-2021-38503'],
  },
  { name: 'Oracle Java', version: '8u251', file: 'java.exe', cves: ['CVE-2020-14583', 'CVE-2020-14664'] },
] as const;

/**
 * E6 — Vulnerable Application Detected (1107296279). Only the first vulnerability carries
 * `name` and `version`; `score` is a string.
 */
export const vulnerableApplication: Builder = (input) => {
  const app = input.rng.pick(VULNERABLE_APPS);
  const count = input.rng.int(1, app.cves.length);
  const vulnerabilities = app.cves.slice(0, count).map((cve, i) => ({
    ...(i === 0 ? { name: app.name, version: app.version } : {}),
    cve,
    score: input.rng.pick(['9.3', '8.8', '7.5', '6.8', '9.8']),
    url: `https://web.nvd.nist.gov/view/vuln/detail?vulnId=${cve}`,
  }));
  return {
    severity: input.rng.pick(['Low', 'Medium']),
    ...startFields(input.timeMs),
    file: {
      disposition: 'Clean',
      file_name: app.file,
      identity: { sha256: input.rng.pick(input.pools.cleanHashes) },
      parent: cleanParent(input, false),
    },
    vulnerabilities,
  };
};

const TACTICS = [
  { name: 'Execution', external_id: 'TA0002', description: 'The adversary is trying to run malicious code.' },
  {
    name: 'Persistence',
    external_id: 'TA0003',
    description: 'The adversary is trying to maintain their foothold.',
  },
  {
    name: 'Defense Evasion',
    external_id: 'TA0005',
    description: 'The adversary is trying to avoid being detected.',
  },
] as const;
const TECHNIQUES = [
  {
    name: 'PowerShell',
    external_id: 'T1059.001',
    description: 'Adversaries may abuse PowerShell commands and scripts for execution.',
  },
  {
    name: 'Scheduled Task',
    external_id: 'T1053.005',
    description: 'Adversaries may abuse the Windows Task Scheduler to run code.',
  },
  {
    name: 'Obfuscated Files or Information',
    external_id: 'T1027',
    description: 'Adversaries may make files difficult to discover or analyse.',
  },
] as const;

function mitre<T extends { name: string; external_id: string; description: string }>(
  kind: string,
  item: T,
): Record<string, unknown> {
  const path = item.external_id.replace('.', '/');
  return {
    ...item,
    mitre_name: kind,
    mitre_url: `https://attack.mitre.org/${kind === 'tactic' ? 'tactics' : 'techniques'}/${path}/`,
  };
}

/** SecureX Threat Hunting Incident (1107296344): incident text + MITRE tactics/techniques */
export const threatHunting: Builder = (input) => {
  const t = Math.floor(input.timeMs / 1000);
  const tactics = [mitre('tactic', input.rng.pick(TACTICS))];
  const techniques = [mitre('technique', input.rng.pick(TECHNIQUES))];
  return {
    severity: 'Critical',
    threat_hunting: {
      incident_report_guid: rngUuid(input.rng),
      incident_hunt_guid: rngUuid(input.rng),
      incident_title: 'Suspicious PowerShell activity',
      incident_summary: `Talos threat hunters observed encoded PowerShell launching from a user-writable path on ${input.computer.hostname}.`,
      incident_remediation:
        'Isolate the endpoint, collect the script, and reset the credentials of the logged-in user.',
      incident_id: input.rng.int(10_000, 99_999),
      severity: 'critical',
      incident_start_time: t - input.rng.int(600, 7200),
      incident_end_time: t,
      tactics,
      techniques,
    },
    tactics,
    techniques,
  };
};

/** Any other catalog type: the common header and computer only. */
export const generic: Builder = () => ({});
