/**
 * Syslog facility and severity numbers (RFC 5424 §6.2.1, tables 1 and 2), and how a Secure
 * Endpoint event severity maps onto a syslog severity.
 */

export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type FacilityName = keyof typeof FACILITIES;
export const facilityNames = Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]];

export const SEVERITIES = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;
export type SeverityName = keyof typeof SEVERITIES;
export const severityNames = Object.keys(SEVERITIES) as [SeverityName, ...SeverityName[]];

/**
 * Event severity ("Low" | "Medium" | "High" | "Critical", docs/secure-endpoint-api.md §4.1; threat hunting
 * uses lower case) → syslog severity. Events without one are informational.
 */
export const DEFAULT_SEVERITY_MAP: Readonly<Record<string, SeverityName>> = {
  critical: 'crit',
  high: 'err',
  medium: 'warning',
  low: 'notice',
};
export const DEFAULT_SEVERITY: SeverityName = 'info';

export function syslogSeverity(
  eventSeverity: string | undefined,
  overrides: Readonly<Record<string, SeverityName>> = {},
): number {
  const key = (eventSeverity ?? '').toLowerCase();
  const name = overrides[key] ?? DEFAULT_SEVERITY_MAP[key] ?? overrides['default'] ?? DEFAULT_SEVERITY;
  return SEVERITIES[name];
}
