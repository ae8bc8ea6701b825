import type { Computer, Fleet, Group } from './fleet.js';
import type { Pools, MalwareSample } from './pools.js';
import type { Rng } from './random.js';

/**
 * What every event builder gets: the draw source, the fleet and pools, the computer the
 * event happens on, and the API base URL for `links`. Builders return only the fields that
 * vary by type; `assembleEvent` (generator.ts) adds identity, time, computer and ordering.
 */
export interface BuildInput {
  readonly rng: Rng;
  readonly fleet: Fleet;
  readonly pools: Pools;
  readonly computer: Computer;
  readonly group: Group;
  readonly apiUrl: string;
  /** epoch ms of the event */
  readonly timeMs: number;
  /** a correlation id shared by the events of one detection (decimal string) */
  readonly detectionId: string;
  /** the malware sample of the scenario (same file for detected → quarantined) */
  readonly sample: MalwareSample;
}

/** Fields a builder returns; key order here is the order on the wire after the header. */
export type EventFields = Record<string, unknown>;

export type Builder = (input: BuildInput) => EventFields;

/** ISO 8601 the way the API writes it: seconds, `+00:00` (docs/secure-endpoint-api.md §4.1). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

export function startFields(timeMs: number): EventFields {
  return { start_timestamp: Math.floor(timeMs / 1000), start_date: isoSeconds(timeMs) };
}

/** The `computer` object of an event (docs/secure-endpoint-api.md §4.2). */
export function computerJson(c: Computer, apiUrl: string, withUser: boolean): EventFields {
  return {
    connector_guid: c.connectorGuid,
    hostname: c.hostname,
    external_ip: c.externalIp,
    ...(withUser ? { user: c.user } : {}),
    active: true,
    network_addresses: [{ ip: c.internalIp, mac: c.mac }],
    links: {
      computer: `${apiUrl}/v1/computers/${c.connectorGuid}`,
      trajectory: `${apiUrl}/v1/computers/${c.connectorGuid}/trajectory`,
      group: `${apiUrl}/v1/groups/${c.groupGuid}`,
    },
  };
}

/** A Windows path in one of the spellings the cloud uses (`\\?\C:\…`, `/C:/…`). */
export function windowsPath(rng: Rng, user: string, fileName: string): string {
  const profile = user.split('@')[0] ?? 'user';
  const dir = rng.pick([
    'Downloads',
    'AppData\\Local\\Temp',
    'Desktop',
    'AppData\\Roaming\\Microsoft',
    'Documents',
  ]);
  const native = `C:\\Users\\${profile}\\${dir}\\${fileName}`;
  return rng.chance(0.8) ? `\\\\?\\${native}` : `/${native.replace(/\\/g, '/')}`;
}

export function unixPath(rng: Rng, user: string, fileName: string): string {
  const profile = user.split('@')[0] ?? 'user';
  return `${rng.pick([`/Users/${profile}/Downloads`, '/tmp', `/home/${profile}/.cache`, '/var/tmp'])}/${fileName}`;
}

export function malwarePath(input: BuildInput): string {
  const { rng, computer, sample } = input;
  return computer.windows
    ? windowsPath(rng, computer.user, sample.fileName)
    : unixPath(rng, computer.user, sample.fileName.replace(/\.(exe|dll|scr)$/, ''));
}

export function cleanParent(input: BuildInput, withPid: boolean): EventFields {
  const p = input.rng.pick(input.computer.windows ? input.pools.cleanParents : input.pools.unixParents);
  return {
    ...(withPid ? { process_id: input.rng.int(300, 12000) } : {}),
    disposition: 'Clean',
    file_name: p.fileName,
    identity: { sha256: p.sha256 },
  };
}

export function severityOf(rng: Rng, levels: readonly string[]): string {
  return rng.pick(levels);
}

/** A version-4-shaped UUID from the seeded generator (deterministic per seed). */
export function rngUuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
