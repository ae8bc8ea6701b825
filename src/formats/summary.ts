import type { SecureEndpointEvent } from '../event/types.js';
import { arr, obj, str } from './util.js';

/**
 * Pieces of an event that several formats present the same way: a one-line human summary and
 * the MITRE ATT&CK references.
 */

/** Longest summary we build (characters); descriptions can be paragraphs of HTML. */
const SUMMARY_MAX = 512;

/**
 * "Threat Detected: W32.Example.Trojan on WS-FIN-042", "Quarantine Failure on WS-FIN-042:
 * Object name not found", "SecureX Threat Hunting Incident: Loader Variant on WS-FIN-042".
 * Newlines are folded to spaces (a summary is one line in every format).
 */
export function summaryOf(e: SecureEndpointEvent): string {
  let s = titleOf(e);
  const host = str(obj(e.computer)?.['hostname']);
  const why = str(obj(e.error)?.['description']);
  if (host !== undefined) s += ` on ${host}`;
  if (why !== undefined) s += `: ${why}`;
  if (s.length > SUMMARY_MAX) s = s.slice(0, SUMMARY_MAX);
  return s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]+/g, ' ') : s;
}

/** "Threat Detected: W32.Example.Trojan", "Cloud IOC: W32.PowershellDownloadedExecutable.ioc". */
export function titleOf(e: SecureEndpointEvent): string {
  const type =
    str(e.event_type) ?? `Event type ${typeof e.event_type_id === 'number' ? e.event_type_id : '?'}`;
  const what =
    str(e.detection) ??
    str(obj(e.threat_hunting)?.['incident_title']) ??
    str(obj(e.cloud_ioc)?.['short_description']) ??
    str(obj(arr(e.vulnerabilities)?.[0])?.['name']);
  const s = what === undefined ? type : `${type}: ${what}`;
  return s.length > SUMMARY_MAX ? s.slice(0, SUMMARY_MAX) : s;
}

/** One MITRE ATT&CK tactic or technique. */
export interface MitreItem {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly url: string | undefined;
  /** For techniques: the tactic names Cisco lists (`tactics_names: "Execution, Persistence"`). */
  readonly tacticNames: string | undefined;
}

export interface Mitre {
  readonly tactics: readonly MitreItem[];
  readonly techniques: readonly MitreItem[];
}

const NO_MITRE: Mitre = { tactics: [], techniques: [] };

/**
 * MITRE data from, in order: top-level `tactics`/`techniques` (docs/secure-endpoint-api.md §4.1), else
 * `threat_hunting.tactics`/`techniques` (§4.2), plus exploit-prevention indicators'
 * `tactics`/`techniques` id lists. Items are objects `{name, external_id, mitre_url, …}` or
 * bare id strings; duplicates (by id or name) are dropped.
 */
export function mitreOf(e: SecureEndpointEvent): Mitre {
  const th = obj(e.threat_hunting);
  const tacticsSrc = arr(e.tactics) ?? arr(th?.['tactics']);
  const techniquesSrc = arr(e.techniques) ?? arr(th?.['techniques']);
  const indicators = arr(obj(obj(e.file)?.['attack_details'])?.['indicators']);
  if (tacticsSrc === undefined && techniquesSrc === undefined && indicators === undefined) return NO_MITRE;
  const tactics: MitreItem[] = [];
  const techniques: MitreItem[] = [];
  addItems(tactics, tacticsSrc);
  addItems(techniques, techniquesSrc);
  if (indicators !== undefined) {
    for (const ind of indicators) {
      const o = obj(ind);
      addItems(tactics, arr(o?.['tactics']));
      addItems(techniques, arr(o?.['techniques']));
    }
  }
  return tactics.length === 0 && techniques.length === 0 ? NO_MITRE : { tactics, techniques };
}

function addItems(out: MitreItem[], src: readonly unknown[] | undefined): void {
  if (src === undefined) return;
  for (const raw of src) {
    const item = toItem(raw);
    if (item === undefined) continue;
    if (
      out.some(
        (x) => (item.id !== undefined && x.id === item.id) || (item.id === undefined && x.name === item.name),
      )
    )
      continue;
    out.push(item);
  }
}

function toItem(raw: unknown): MitreItem | undefined {
  const s = str(raw);
  if (s !== undefined) return { id: s, name: undefined, url: undefined, tacticNames: undefined };
  const o = obj(raw);
  if (o === undefined) return undefined;
  const id = str(o['external_id']) ?? str(o['id']);
  const name = str(o['name']);
  if (id === undefined && name === undefined) return undefined;
  return { id, name, url: str(o['mitre_url']), tacticNames: str(o['tactics_names']) };
}
