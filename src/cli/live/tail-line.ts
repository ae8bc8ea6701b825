import pc from 'picocolors';
import { eventTypeClass } from '../../event/catalog.js';
import type { SecureEndpointEvent } from '../../event/types.js';

/**
 * The human one-line view of an event (`ampstream tail`, `ampstream demo`):
 *
 *   2023-11-14 22:13:20Z  Threat Detected           Medium    WS-FIN-042        jdoe@CORP     W32.Example.Trojan  invoice.exe sha256:aa11bb22cc33
 *   time (UTC)            type (coloured by class)  severity  host              user          detection, IOC, incident, CVE or scan; file name + sha256 prefix
 *
 * Pure: no I/O, colours only when asked. Every string from the event is stripped of control
 * characters first: event fields are attacker-influenced (file names, command lines), and an
 * ESC sequence must not reach the terminal.
 */

export interface TailLineOptions {
  /** (default=false) ANSI colours */
  readonly color?: boolean;
}

const TYPE_WIDTH = 32;
const SEVERITY_WIDTH = 8;
const HOST_WIDTH = 16;
const USER_WIDTH = 20;
const SHA_PREFIX = 12;
const MAX_FIELD = 80;

// C0 and C1 control characters, and DEL
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A field from the event, made safe for a terminal and bounded in length. */
export function clean(value: unknown, max = MAX_FIELD): string {
  if (value === undefined || value === null) return '';
  const s = (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '')
    .replace(CONTROL, '?')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function pad(s: string, width: number): string {
  const t = s.length > width ? `${s.slice(0, width - 1)}…` : s;
  return t.padEnd(width);
}

/** `2023-11-14 22:13:20Z` from the event's epoch seconds (its `date` as fallback). */
export function eventTime(e: SecureEndpointEvent): string {
  const ms = typeof e.timestamp === 'number' ? e.timestamp * 1000 : Date.parse(e.date);
  if (!Number.isFinite(ms)) return clean(e.date, 20).padEnd(20);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** What the event is about, most specific first. */
export function eventSubject(e: SecureEndpointEvent): string {
  const parts: string[] = [];
  const vuln = e.vulnerabilities?.[0];
  const subject =
    clean(e.detection) ||
    clean(e.cloud_ioc?.short_description) ||
    clean(e.threat_hunting?.incident_title) ||
    (vuln === undefined
      ? ''
      : clean(
          [vuln.name, vuln.version, e.vulnerabilities?.find((v) => v.cve)?.cve].filter(Boolean).join(' '),
        )) ||
    scanSummary(e) ||
    clean(e.error?.description) ||
    (e.isolation?.user === undefined ? '' : `by ${clean(e.isolation.user, 40)}`) ||
    productVersion(e);
  if (subject !== '') parts.push(subject);
  const fileName = clean(e.file?.file_name, 48);
  const sha = clean(e.file?.identity?.sha256, 64).slice(0, SHA_PREFIX);
  if (fileName !== '' || sha !== '')
    parts.push([fileName, sha === '' ? '' : `sha256:${sha}`].filter(Boolean).join(' '));
  const url = clean(e.network_info?.dirty_url, 60);
  if (url !== '') parts.push(url);
  return parts.join('  ');
}

function scanSummary(e: SecureEndpointEvent): string {
  const s = e.scan;
  if (s === undefined) return '';
  const outcome =
    s.clean === true ? 'clean' : s.malicious_detections ? `${s.malicious_detections} detections` : '';
  return clean([s.description, outcome].filter(Boolean).join(', '));
}

function productVersion(e: SecureEndpointEvent): string {
  const v = e.bp_data?.['package_manager_current_version'] ?? e.bp_data?.['package_manager_pending_version'];
  return typeof v === 'string' ? `version ${clean(v, 30)}` : '';
}

function user(e: SecureEndpointEvent): string {
  const u = clean(e.computer?.user, 40);
  return u === '' || u === 'Not Available' ? '-' : u;
}

export function renderTailLine(e: SecureEndpointEvent, options: TailLineOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const severity = clean(e.severity, SEVERITY_WIDTH);
  const sevColor = /^critical$/i.test(severity)
    ? (s: string) => c.bold(c.red(s))
    : /^high$/i.test(severity)
      ? c.red
      : /^medium$/i.test(severity)
        ? c.yellow
        : /^low$/i.test(severity)
          ? c.cyan
          : c.dim;
  const cls = eventTypeClass(e.event_type_id);
  const typeColor = cls === 'threat' ? c.magenta : cls === 'failure' ? c.red : (s: string) => s;
  const type = clean(e.event_type) || `type ${e.event_type_id}`;
  return [
    c.dim(eventTime(e)),
    typeColor(pad(type, TYPE_WIDTH)),
    sevColor(pad(severity === '' ? '-' : severity, SEVERITY_WIDTH)),
    pad(clean(e.computer?.hostname) || '-', HOST_WIDTH),
    pad(user(e), USER_WIDTH),
    eventSubject(e),
  ]
    .join('  ')
    .trimEnd();
}
