import type { SecureEndpointEvent } from '../../event/types.js';
import type { Mitre, MitreItem } from '../summary.js';
import { arr, obj, pushUnique, str } from '../util.js';

type Out = Record<string, unknown>;

/**
 * threat.* (ECS): `threat.framework` "MITRE ATT&CK"; `threat.tactic.id|name|reference` and
 * `threat.technique.id|name|reference` are keyword arrays (Elastic's integration fills them from
 * `tactics[]` / `techniques[]`: external_id → id, name → name, mitre_url → reference).
 */
export function threatOf(m: Mitre): Out | undefined {
  if (m.tactics.length === 0 && m.techniques.length === 0) return undefined;
  return { framework: 'MITRE ATT&CK', tactic: columns(m.tactics), technique: columns(m.techniques) };
}

function columns(items: readonly MitreItem[]): Out | undefined {
  if (items.length === 0) return undefined;
  const id: string[] = [];
  const name: string[] = [];
  const reference: string[] = [];
  for (const it of items) {
    pushUnique(id, it.id);
    pushUnique(name, it.name);
    pushUnique(reference, it.url);
  }
  return { id: nonEmpty(id), name: nonEmpty(name), reference: nonEmpty(reference) };
}

function nonEmpty(a: string[]): string[] | undefined {
  return a.length > 0 ? a : undefined;
}

export interface VulnerabilityParts {
  readonly vulnerability: Out | undefined;
  readonly package: Out | undefined;
  /** CVE ids, also kept as `cisco.secure_endpoint.related.cve` (Elastic's vendor field). */
  readonly cves: string[];
}

/**
 * vulnerability.* from `vulnerabilities[]` (docs/secure-endpoint-api.md §4.2: the first element carries the
 * application `name` + `version`, every element a `cve`, `score` (a string such as "9.3") and
 * `url`). ECS: vulnerability.id (keyword: the CVE ids), vulnerability.reference (keyword: the
 * advisory URLs), vulnerability.score.base (float: the highest score), vulnerability.enumeration
 * "CVE", vulnerability.classification "CVSS", vulnerability.scanner.vendor "Cisco";
 * package.name / package.version = the vulnerable application.
 */
export function vulnerabilityOf(e: SecureEndpointEvent): VulnerabilityParts {
  const list = arr(e.vulnerabilities);
  const cves: string[] = [];
  if (list === undefined || list.length === 0) return { vulnerability: undefined, package: undefined, cves };
  const refs: string[] = [];
  let best: number | undefined;
  for (const v of list) {
    const o = obj(v);
    pushUnique(cves, str(o?.['cve']));
    pushUnique(refs, str(o?.['url']));
    const s = scoreOf(o?.['score']);
    if (s !== undefined && (best === undefined || s > best)) best = s;
  }
  const first = obj(list[0]);
  const name = str(first?.['name']);
  const version = str(first?.['version']);
  const vulnerability =
    cves.length === 0 && refs.length === 0 && best === undefined
      ? undefined
      : {
          id: nonEmpty(cves),
          reference: nonEmpty(refs),
          score: best === undefined ? undefined : { base: best },
          enumeration: cves.length > 0 ? 'CVE' : undefined,
          classification: best === undefined ? undefined : 'CVSS',
          scanner: { vendor: 'Cisco' },
        };
  return { vulnerability, package: name === undefined ? undefined : { name, version }, cves };
}

/** A CVSS score: a number or a numeric string, 0-10. */
function scoreOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n : undefined;
}
