import type { SecureEndpointEvent } from '../../event/types.js';
import {
  arr,
  int,
  ip,
  isWindowsPath,
  mac,
  macEcs,
  obj,
  port,
  pushUnique,
  splitUser,
  str,
  type Obj,
} from '../util.js';

/**
 * ECS field groups built from one event. Each builder returns undefined when it has nothing,
 * so empty objects never reach the output. Field names and types: ecs_flat.yml (ECS 9.x).
 */

type Out = Record<string, unknown>;

/** Collected while building, emitted as `related.*` (ECS: "all … seen on the event"). */
export interface Related {
  readonly hash: string[];
  readonly ip: string[];
  readonly hosts: string[];
  readonly user: string[];
  /** `cisco.secure_endpoint.related.mac` (Elastic's vendor field: upper-case, dashes). */
  readonly mac: string[];
}

export function newRelated(): Related {
  return { hash: [], ip: [], hosts: [], user: [], mac: [] };
}

/** `{sha256, sha1, md5}` → ECS `hash.*` (keyword), also collected into related.hash. */
export function hashOf(identity: unknown, related: Related): Out | undefined {
  const id = obj(identity);
  if (id === undefined) return undefined;
  const sha256 = str(id['sha256']);
  const sha1 = str(id['sha1']);
  const md5 = str(id['md5']);
  if (sha256 === undefined && sha1 === undefined && md5 === undefined) return undefined;
  pushUnique(related.hash, sha256);
  pushUnique(related.hash, sha1);
  pushUnique(related.hash, md5);
  return { md5, sha1, sha256 };
}

/**
 * host.* from `computer`: `host.name` is the lower-case host name (ECS recommends the lower-case
 * FQDN; Elastic's integration lower-cases it too), `host.hostname` the first label as Cisco
 * sends it and `host.domain` the rest; `host.id` = connector GUID; `host.ip` = the internal
 * addresses (`network_addresses[].ip`, empty ones skipped); `host.mac` in ECS notation.
 * `host.os.*` = windows when the file path is a Windows path (what Elastic's pipeline infers).
 */
export function hostOf(
  e: SecureEndpointEvent,
  related: Related,
  filePath: string | undefined,
): Out | undefined {
  const c = obj(e.computer);
  const full = str(c?.['hostname']);
  const ips: string[] = [];
  const macs: string[] = [];
  const addrs = arr(c?.['network_addresses']);
  if (addrs !== undefined) {
    for (const a of addrs) {
      const o = obj(a);
      pushUnique(ips, ip(o?.['ip']));
      const m = mac(o?.['mac']);
      if (m !== undefined) pushUnique(macs, macEcs(m));
    }
  }
  const id = str(c?.['connector_guid']) ?? str(e.connector_guid);
  const os = filePath !== undefined && isWindowsPath(filePath) ? WINDOWS : undefined;
  if (full === undefined && ips.length === 0 && macs.length === 0 && id === undefined) return undefined;
  let hostname = full;
  let domain: string | undefined;
  const name = full?.toLowerCase();
  if (full !== undefined) {
    const dot = full.indexOf('.');
    if (dot > 0 && dot < full.length - 1) {
      hostname = full.slice(0, dot);
      domain = full.slice(dot + 1);
    }
    pushUnique(related.hosts, name);
  }
  pushUnique(related.ip, ip(c?.['external_ip']));
  for (const a of ips) pushUnique(related.ip, a);
  for (const m of macs) pushUnique(related.mac, m);
  return {
    name,
    hostname,
    domain,
    id,
    ip: ips.length > 0 ? ips : undefined,
    mac: macs.length > 0 ? macs : undefined,
    os,
  };
}

const WINDOWS: Out = { family: 'windows', platform: 'windows', type: 'windows' };

/** user.name / user.domain from `computer.user` ("jdoe@CORP"; "Not Available" is dropped). */
export function userOf(e: SecureEndpointEvent, related: Related): Out | undefined {
  const u = splitUser(obj(e.computer)?.['user']);
  if (u === undefined) return undefined;
  pushUnique(related.user, u.name);
  return { name: u.name, domain: u.domain };
}

/** file.name / file.path / file.hash.* from `file`. */
export function fileOf(f: Obj | undefined, related: Related): Out | undefined {
  if (f === undefined) return undefined;
  const name = str(f['file_name']);
  const path = str(f['file_path']);
  const hash = hashOf(f['identity'], related);
  if (name === undefined && path === undefined && hash === undefined) return undefined;
  return { name, path, hash };
}

/** Command lines are split on whitespace like Elastic's pipeline; cap the argument count. */
const MAX_ARGS = 256;

/**
 * process.* from the parent of the file (else of the network connection): pid, name, hash;
 * process.command_line / args / args_count from `command_line.arguments`.
 */
export function processOf(
  parent: Obj | undefined,
  e: SecureEndpointEvent,
  related: Related,
): Out | undefined {
  const pid = int(parent?.['process_id']);
  const name = str(parent?.['file_name']);
  const hash = hashOf(parent?.['identity'], related);
  const cmd = str(obj(e.command_line)?.['arguments'])?.trim();
  let args: string[] | undefined;
  if (cmd !== undefined && cmd.length > 0) {
    args = cmd.split(/\s+/).slice(0, MAX_ARGS);
  }
  if (pid === undefined && name === undefined && hash === undefined && args === undefined) return undefined;
  return {
    pid: pid !== undefined && pid >= 0 ? pid : undefined,
    name,
    hash,
    command_line: args === undefined ? undefined : cmd,
    args,
    args_count: args?.length,
  };
}

export interface NetworkParts {
  readonly source: Out | undefined;
  readonly destination: Out | undefined;
  readonly network: Out | undefined;
  readonly url: Out | undefined;
}

const NO_NETWORK: NetworkParts = {
  source: undefined,
  destination: undefined,
  network: undefined,
  url: undefined,
};

/**
 * source/destination/network/url from `network_info`. ECS: source = the side that initiated
 * the connection. Cisco's nfm.direction "Outgoing connection from" → local is the source
 * (network.direction egress); "Incoming connection from" → the remote side is the source
 * (ingress). Without a direction, local = source (Elastic's mapping).
 */
export function networkOf(n: Obj | undefined, related: Related): NetworkParts {
  if (n === undefined) return NO_NETWORK;
  const local = endpoint(n['local_ip'], n['local_port']);
  const remote = endpoint(n['remote_ip'], n['remote_port']);
  const nfm = obj(n['nfm']);
  const dir = str(nfm?.['direction']);
  const incoming = dir !== undefined && dir.startsWith('Incoming');
  const direction =
    dir === undefined ? undefined : incoming ? 'ingress' : dir.startsWith('Outgoing') ? 'egress' : 'unknown';
  const transport = str(nfm?.['protocol'])?.toLowerCase();
  pushUnique(related.ip, ip(n['local_ip']));
  pushUnique(related.ip, ip(n['remote_ip']));
  return {
    source: incoming ? remote : local,
    destination: incoming ? local : remote,
    network: transport === undefined && direction === undefined ? undefined : { transport, direction },
    url: urlOf(str(n['dirty_url'])),
  };
}

function endpoint(ipv: unknown, portv: unknown): Out | undefined {
  const a = ip(ipv);
  const p = port(portv);
  return a === undefined && p === undefined ? undefined : { ip: a, port: p };
}

/** url.original as sent, plus its parts when it parses (url.scheme has no trailing colon). */
function urlOf(original: string | undefined): Out | undefined {
  if (original === undefined) return undefined;
  // one parse (canParse + new URL parsed every URL twice); a URL that does not parse is rare
  let u: URL;
  try {
    u = new URL(original);
  } catch {
    return { original };
  }
  return {
    original,
    scheme: u.protocol.endsWith(':') ? u.protocol.slice(0, -1) : u.protocol,
    domain: u.hostname.length > 0 ? u.hostname : undefined,
    port: u.port.length > 0 ? Number(u.port) : undefined,
    path: u.pathname.length > 0 ? u.pathname : undefined,
    query: u.search.length > 1 ? u.search.slice(1) : undefined,
  };
}
