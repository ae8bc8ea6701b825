import type { SecureEndpointEvent } from '../../event/types.js';
import type { Mitre } from '../summary.js';
import { arr, int, ip, mac, obj, port, splitUser, str, type Obj } from '../util.js';

/**
 * OCSF objects built from one event (OCSF 1.9.0-dev `objects/*.json`). Each builder returns
 * undefined when the source has nothing, and only emits an object when its required attributes
 * and constraints can be met:
 *
 * - device (extends endpoint): type_id required (0 Unknown: Cisco does not say desktop vs
 *   server); at least one of ip/uid/name/hostname. uid = connector GUID, hostname, ip / mac = first
 *   internal address / MAC, network_interfaces[] {ip, mac, type_id 0}, owner (user) from
 *   computer.user, groups[] {uid} from group_guids.
 * - file (extends _entity): name and type_id required → name = file_name, else the last path
 *   segment, else the SHA-256 (Cisco sometimes sends only the hash, e.g. Threat Quarantined);
 *   type_id 1 Regular File; hashes[] = fingerprint {algorithm_id 1 MD5 | 2 SHA-1 | 3 SHA-256,
 *   value}.
 * - process: at least one of pid/uid/cpid → only when Cisco gives `process_id`; name and the
 *   image file from the parent's file_name/identity.
 * - network: src_endpoint/dst_endpoint {ip, port} (initiator = source, as for ECS),
 *   url {url_string}, connection_info {direction_id 1 Inbound | 2 Outbound | 0 Unknown,
 *   protocol_name, protocol_num 6 TCP | 17 UDP}.
 * - attack: at least one of tactic/technique; tactic/technique {uid, name, src_url}. A technique
 *   is paired with the tactic whose name appears in its `tactics_names`; tactics no technique
 *   names get their own entry.
 */
type Out = Record<string, unknown>;

const HASH_ALGOS = [
  ['md5', 1, 'MD5'],
  ['sha1', 2, 'SHA-1'],
  ['sha256', 3, 'SHA-256'],
] as const;

export function hashesOf(identity: unknown): Out[] | undefined {
  const id = obj(identity);
  if (id === undefined) return undefined;
  let out: Out[] | undefined;
  for (const [key, algorithmId, algorithm] of HASH_ALGOS) {
    const value = str(id[key]);
    if (value !== undefined) (out ??= []).push({ algorithm_id: algorithmId, algorithm, value });
  }
  return out;
}

function baseName(path: string): string | undefined {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  const name = path.slice(cut + 1);
  return name.length > 0 ? name : undefined;
}

export function fileOf(f: Obj | undefined): Out | undefined {
  if (f === undefined) return undefined;
  const path = str(f['file_path']);
  const hashes = hashesOf(f['identity']);
  const name =
    str(f['file_name']) ??
    (path === undefined ? undefined : baseName(path)) ??
    str(obj(f['identity'])?.['sha256']);
  if (name === undefined) return undefined;
  return { name, path, type_id: 1, type: 'Regular File', hashes };
}

export function processOf(parent: Obj | undefined): Out | undefined {
  const pid = int(parent?.['process_id']);
  if (pid === undefined || pid < 0 || pid > 0x7fffffff) return undefined;
  const image = fileOf(parent);
  return { pid, name: str(parent?.['file_name']), file: image };
}

/** One evidence per artifact group: the file (+ its parent process), the connection (+ its process). */
export function evidencesOf(e: SecureEndpointEvent): Out[] | undefined {
  const out: Out[] = [];
  const f = obj(e.file);
  const file = fileOf(f);
  addWithParent(out, file === undefined ? undefined : { file }, obj(f?.['parent']));
  const net = networkOf(obj(e.network_info));
  addWithParent(out, net, obj(obj(e.network_info)?.['parent']));
  return out.length > 0 ? out : undefined;
}

/** A parent with a pid is the evidence's process; without one its image file is its own evidence. */
function addWithParent(out: Out[], evidence: Out | undefined, parent: Obj | undefined): void {
  const proc = processOf(parent);
  if (evidence !== undefined) {
    if (proc !== undefined) evidence['process'] = proc;
    out.push(evidence);
  } else if (proc !== undefined) {
    out.push({ process: proc });
  }
  if (proc === undefined) {
    const image = fileOf(parent);
    if (image !== undefined) out.push({ name: 'parent process image', file: image });
  }
}

function networkOf(n: Obj | undefined): Out | undefined {
  if (n === undefined) return undefined;
  const local = endpoint(n['local_ip'], n['local_port']);
  const remote = endpoint(n['remote_ip'], n['remote_port']);
  const nfm = obj(n['nfm']);
  const dir = str(nfm?.['direction']);
  const incoming = dir?.startsWith('Incoming') === true;
  const directionId = dir === undefined ? undefined : incoming ? 1 : dir.startsWith('Outgoing') ? 2 : 0;
  const protocol = str(nfm?.['protocol'])?.toLowerCase();
  const url = str(n['dirty_url']);
  const connection =
    directionId === undefined && protocol === undefined
      ? undefined
      : {
          direction_id: directionId ?? 0,
          direction: ['Unknown', 'Inbound', 'Outbound'][directionId ?? 0],
          protocol_name: protocol,
          protocol_num: protocol === 'tcp' ? 6 : protocol === 'udp' ? 17 : undefined,
        };
  if (local === undefined && remote === undefined && url === undefined && connection === undefined)
    return undefined;
  return {
    src_endpoint: incoming ? remote : local,
    dst_endpoint: incoming ? local : remote,
    url: url === undefined ? undefined : { url_string: url },
    connection_info: connection,
  };
}

function endpoint(ipv: unknown, portv: unknown): Out | undefined {
  const a = ip(ipv);
  return a === undefined ? undefined : { ip: a, port: port(portv) };
}

export function deviceOf(e: SecureEndpointEvent): Out | undefined {
  const c = obj(e.computer);
  const hostname = str(c?.['hostname']);
  const uid = str(c?.['connector_guid']) ?? str(e.connector_guid);
  let firstIp: string | undefined;
  let firstMac: string | undefined;
  let nics: Out[] | undefined;
  const addrs = arr(c?.['network_addresses']);
  if (addrs !== undefined) {
    for (const a of addrs) {
      const o = obj(a);
      const addr = ip(o?.['ip']);
      const m = mac(o?.['mac']);
      firstIp ??= addr;
      firstMac ??= m;
      if (addr !== undefined || m !== undefined)
        (nics ??= []).push({ ip: addr, mac: m, type_id: 0, type: 'Unknown' });
    }
  }
  if (hostname === undefined && uid === undefined && firstIp === undefined) return undefined;
  const user = splitUser(c?.['user']);
  let groups: Out[] | undefined;
  const guids = arr(e.group_guids);
  if (guids !== undefined)
    for (const g of guids) if (typeof g === 'string' && g.length > 0) (groups ??= []).push({ uid: g });
  return {
    type_id: 0,
    type: 'Unknown',
    hostname,
    uid,
    ip: firstIp,
    mac: firstMac,
    network_interfaces: nics,
    owner: user === undefined ? undefined : { name: user.name, domain: user.domain },
    groups,
  };
}

export function attacksOf(m: Mitre): Out[] | undefined {
  if (m.tactics.length === 0 && m.techniques.length === 0) return undefined;
  const out: Out[] = [];
  const used = new Set<number>();
  for (const t of m.techniques) {
    const technique = { uid: t.id, name: t.name, src_url: t.url };
    const ti =
      t.tacticNames === undefined
        ? -1
        : m.tactics.findIndex((x) => x.name !== undefined && t.tacticNames!.includes(x.name));
    const tactic = m.tactics[ti];
    if (tactic !== undefined) used.add(ti);
    out.push({
      technique,
      tactic: tactic === undefined ? undefined : { uid: tactic.id, name: tactic.name, src_url: tactic.url },
    });
  }
  m.tactics.forEach((t, i) => {
    if (!used.has(i)) out.push({ tactic: { uid: t.id, name: t.name, src_url: t.url } });
  });
  return out;
}

/** Malware classification from the detection name's words (OCSF malware.classification_ids). */
const CLASSIFICATIONS: readonly (readonly [RegExp, number, string])[] = [
  [/ransom/i, 10, 'Ransomware'],
  [/rootkit/i, 15, 'Rootkit'],
  [/bootkit/i, 4, 'Bootkit'],
  [/webshell/i, 20, 'Webshell'],
  [/wiper/i, 21, 'Wiper'],
  [/keylog/i, 9, 'Keylogger'],
  [/spyware/i, 17, 'Spyware'],
  [/adware/i, 1, 'Adware'],
  [/backdoor/i, 2, 'Backdoor'],
  [/downloader/i, 6, 'Downloader'],
  [/dropper/i, 7, 'Dropper'],
  [/\bworm\b/i, 22, 'Worm'],
  [/\bvirus\b/i, 19, 'Virus'],
  [/\b(?:rat)\b/i, 11, 'Remote-Access-Trojan'],
  [/trojan/i, 18, 'Trojan'],
  [/\bbot(?:net)?\b/i, 3, 'Bot'],
];

/**
 * Index into CLASSIFICATIONS (-1: none) per detection name, memoised: a stream repeats a few
 * hundred names, and testing up to 16 regular expressions per detection event cost more than
 * the rest of the malware object. Bounded: arbitrary names must not grow memory.
 */
const classified = new Map<string, number>();

function classificationIndex(detection: string): number {
  let i = classified.get(detection);
  if (i === undefined) {
    const words = detection.replace(/[._-]/g, ' ');
    i = CLASSIFICATIONS.findIndex(([re]) => re.test(words));
    if (classified.size < 4096) classified.set(detection, i);
  }
  return i;
}

export function malwareOf(detection: string, rootkitType: boolean): Out {
  const hit = CLASSIFICATIONS[rootkitType ? 1 : classificationIndex(detection)];
  return {
    name: detection,
    classification_ids: [hit === undefined ? 0 : hit[1]],
    classifications: [hit === undefined ? 'Unknown' : hit[2]],
    provider: 'Cisco Secure Endpoint',
  };
}

/** vulnerabilities[] (Vulnerability Finding): one per CVE; the first element names the application. */
export function vulnerabilitiesOf(e: SecureEndpointEvent): Out[] | undefined {
  const list = arr(e.vulnerabilities);
  if (list === undefined) return undefined;
  const first = obj(list[0]);
  const name = str(first?.['name']);
  const version = str(first?.['version']);
  const pkg = name !== undefined && version !== undefined ? [{ name, version }] : undefined;
  let out: Out[] | undefined;
  for (const v of list) {
    const o = obj(v);
    const cve = str(o?.['cve']);
    if (cve === undefined) continue;
    const url = str(o?.['url']);
    const refs = url === undefined ? undefined : [url];
    (out ??= []).push({
      cve: { uid: cve, references: refs },
      references: refs,
      affected_packages: pkg,
      vendor_name: 'Cisco',
    });
  }
  return out;
}
