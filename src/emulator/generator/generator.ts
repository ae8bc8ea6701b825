import type { SecureEndpointEvent } from '../../event/types.js';
import { eventTypeById } from '../../event/catalog.js';
import { type Builder, type BuildInput, type EventFields, computerJson, isoSeconds } from './common.js';
import { type Computer, type Fleet, buildFleet } from './fleet.js';
import { type IdSource, createIdSource } from './ids.js';
import { type Pools, buildPools } from './pools.js';
import { type Rng, type Weighted, createRng, pickWeighted, weighted } from './random.js';
import * as a from './activity.js';
import * as t from './threats.js';

/**
 * The seeded event generator: a realistic weighted mix of Secure Endpoint events over a
 * consistent fleet, with multi-event scenarios (Threat Detected → Threat Quarantined or
 * Quarantine Failure with the same detection_id; Scan Started → Scan Completed; isolation
 * start → stop; product update started → completed). Each event comes out twice: as the
 * object (id as a decimal string, like `decodeEvent` gives) and as the exact JSON text sent
 * on the wire, where the id is a bare integer above 2^53.
 */

export interface GeneratedEvent {
  readonly event: SecureEndpointEvent;
  /** the wire JSON (UTF-8 text), id as a bare integer */
  readonly json: string;
  readonly eventTypeId: number;
  readonly connectorGuid: string;
  /** the computer's group (routing CC key), even when the body carries no `group_guids` */
  readonly groupGuid: string;
  readonly timestamp: number;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** base of the `links` URLs in events (the emulator's API URL) */
  readonly apiUrl: string;
  /** (default=Date.now) epoch ms of each event */
  readonly clock?: () => number;
  readonly ids?: IdSource;
  /**
   * (default=false) SecureX threat hunting incidents come without `id`, as Secure Endpoint
   * sends them (the other kinds keep theirs). Off by default so that every generated event
   * has an id unless a test or `ampstream emulator --incidents-without-id` asks.
   */
  readonly incidentsWithoutId?: boolean;
}

/** Restrict what `next` may produce (PublishOptions). */
export interface GenerateFilter {
  readonly eventTypeIds?: readonly number[];
  readonly groupGuids?: readonly string[];
  readonly connectorGuids?: readonly string[];
}

export const TYPE = {
  THREAT_DETECTED: 1090519054,
  THREAT_QUARANTINED: 553648143,
  QUARANTINE_FAILURE: 2164260880,
  EXECUTED_MALWARE: 1107296272,
  CLOUD_IOC: 1107296274,
  VULNERABLE_APP: 1107296279,
  RETROSPECTIVE_DETECTION: 553648147,
  POLICY_UPDATE: 553648130,
  SCAN_STARTED: 554696714,
  SCAN_COMPLETED_CLEAN: 554696715,
  SCAN_COMPLETED_DETECTIONS: 1091567628,
  DFC_THREAT: 1090519084,
  EXPLOIT_PREVENTION: 1090519103,
  MALICIOUS_ACTIVITY: 1090519105,
  ISOLATION_START: 553648202,
  ISOLATION_STOP: 553648204,
  PRODUCT_UPDATE_STARTED: 553648135,
  PRODUCT_UPDATE_COMPLETED: 553648136,
  THREAT_HUNTING: 1107296344,
  SUSPICIOUS_DOMAIN: 1107296277,
} as const;

const BUILDERS = new Map<number, Builder>([
  [TYPE.THREAT_DETECTED, t.threatDetected],
  [TYPE.THREAT_QUARANTINED, t.threatQuarantined],
  [TYPE.QUARANTINE_FAILURE, t.quarantineFailure],
  [TYPE.EXECUTED_MALWARE, t.executedMalware],
  [TYPE.CLOUD_IOC, t.cloudIoc],
  [TYPE.RETROSPECTIVE_DETECTION, t.retrospectiveDetection],
  [TYPE.DFC_THREAT, t.dfcThreatDetected],
  [TYPE.SUSPICIOUS_DOMAIN, t.suspiciousDomain],
  [TYPE.EXPLOIT_PREVENTION, t.exploitPrevention],
  [TYPE.MALICIOUS_ACTIVITY, t.maliciousActivity],
  [TYPE.VULNERABLE_APP, a.vulnerableApplication],
  [TYPE.POLICY_UPDATE, a.policyUpdate],
  [TYPE.SCAN_STARTED, a.scanStarted],
  [TYPE.SCAN_COMPLETED_CLEAN, a.scanCompletedClean],
  [TYPE.SCAN_COMPLETED_DETECTIONS, a.scanCompletedDetections],
  [TYPE.ISOLATION_START, a.isolation],
  [TYPE.ISOLATION_STOP, a.isolation],
  [TYPE.PRODUCT_UPDATE_STARTED, a.productUpdate],
  [TYPE.PRODUCT_UPDATE_COMPLETED, a.productUpdate],
  [TYPE.THREAT_HUNTING, a.threatHunting],
]);

/** Event types whose body carries no `group_guids` (docs/secure-endpoint-api.md §4.1). */
const NO_GROUP_GUIDS = new Set<number>([TYPE.THREAT_HUNTING]);
/** Event types Secure Endpoint sends without `id` (with `incidentsWithoutId`). */
const NO_ID = new Set<number>([TYPE.THREAT_HUNTING]);

/** Event types whose details only make sense on Windows (Office, PowerShell, exploit prevention). */
const WINDOWS_ONLY = new Set<number>([
  TYPE.CLOUD_IOC,
  TYPE.EXPLOIT_PREVENTION,
  TYPE.MALICIOUS_ACTIVITY,
  TYPE.VULNERABLE_APP,
  TYPE.ISOLATION_START,
  TYPE.ISOLATION_STOP,
]);

/** A scenario is the list of event types it emits, in order, on one computer. */
type Scenario = (rng: Rng) => readonly number[];

/** The realistic mix: weights are relative frequencies (operational noise dominates). */
const SCENARIOS: Weighted<Scenario> = weighted<Scenario>([
  [() => [TYPE.POLICY_UPDATE], 14],
  [
    (r) => [TYPE.SCAN_STARTED, r.chance(0.9) ? TYPE.SCAN_COMPLETED_CLEAN : TYPE.SCAN_COMPLETED_DETECTIONS],
    12,
  ],
  [(r) => [TYPE.THREAT_DETECTED, r.chance(0.85) ? TYPE.THREAT_QUARANTINED : TYPE.QUARANTINE_FAILURE], 14],
  [() => [TYPE.VULNERABLE_APP], 9],
  [() => [TYPE.CLOUD_IOC], 6],
  [() => [TYPE.PRODUCT_UPDATE_STARTED, TYPE.PRODUCT_UPDATE_COMPLETED], 4],
  [() => [TYPE.DFC_THREAT], 4],
  [() => [TYPE.SUSPICIOUS_DOMAIN], 3],
  [() => [TYPE.EXECUTED_MALWARE], 3],
  [() => [TYPE.RETROSPECTIVE_DETECTION], 3],
  [() => [TYPE.EXPLOIT_PREVENTION], 2],
  [() => [TYPE.MALICIOUS_ACTIVITY], 2],
  [() => [TYPE.ISOLATION_START, TYPE.ISOLATION_STOP], 1],
  [() => [TYPE.THREAT_HUNTING], 1],
]);

interface Pending {
  readonly types: number[];
  readonly computer: Computer;
  readonly sample: BuildInput['sample'];
  readonly detectionId: string;
}

export class EventGenerator {
  readonly fleet: Fleet;
  readonly #pools: Pools;
  readonly #rng: Rng;
  #apiUrl: string;
  readonly #clock: () => number;
  readonly #ids: IdSource;
  readonly #withoutId: boolean;
  #pending: Pending | undefined;

  constructor(options: GeneratorOptions) {
    this.fleet = buildFleet(options.seed);
    this.#pools = buildPools();
    this.#rng = createRng(options.seed);
    this.#apiUrl = options.apiUrl;
    this.#clock = options.clock ?? Date.now;
    this.#ids = options.ids ?? createIdSource(this.#clock);
    this.#withoutId = options.incidentsWithoutId ?? false;
  }

  /** The API URL is known only once the server listens; links in later events use it. */
  setApiUrl(apiUrl: string): void {
    this.#apiUrl = apiUrl;
  }

  /** The next event of the mix, or (with a filter) one of the allowed types/computers. */
  next(filter?: GenerateFilter): GeneratedEvent {
    if (filter !== undefined && isRestrictive(filter)) return this.#nextFiltered(filter);
    if (this.#pending === undefined) {
      const types = [...pickWeighted(this.#rng, SCENARIOS)(this.#rng)];
      this.#pending = this.#scenario(types, this.fleet.computers);
    }
    const p = this.#pending;
    const type = p.types.shift()!;
    if (p.types.length === 0) this.#pending = undefined;
    return this.#build(type, p);
  }

  #nextFiltered(filter: GenerateFilter): GeneratedEvent {
    const computers = this.fleet.computers.filter(
      (c) =>
        (filter.groupGuids === undefined ||
          filter.groupGuids.length === 0 ||
          filter.groupGuids.includes(c.groupGuid)) &&
        (filter.connectorGuids === undefined ||
          filter.connectorGuids.length === 0 ||
          filter.connectorGuids.includes(c.connectorGuid)),
    );
    if (computers.length === 0) throw new RangeError('no computer of the fleet matches the publish filter');
    const types = filter.eventTypeIds?.length
      ? filter.eventTypeIds
      : [...pickWeighted(this.#rng, SCENARIOS)(this.#rng)];
    return this.#build(this.#rng.pick(types), this.#scenario([], computers));
  }

  #scenario(types: number[], computers: readonly Computer[], first?: number): Pending {
    const windows = computers.filter((c) => c.windows);
    const pool = WINDOWS_ONLY.has(first ?? types[0] ?? 0) && windows.length > 0 ? windows : computers;
    return {
      types,
      computer: this.#rng.pick(pool),
      sample: this.#rng.pick(this.#pools.malware),
      detectionId: this.#ids.next().toString(),
    };
  }

  #build(type: number, p: Pending): GeneratedEvent {
    const group = this.fleet.groups.find((g) => g.guid === p.computer.groupGuid)!;
    const timeMs = this.#clock();
    const input: BuildInput = {
      rng: this.#rng,
      fleet: this.fleet,
      pools: this.#pools,
      computer: p.computer,
      group,
      apiUrl: this.#apiUrl,
      timeMs,
      detectionId: p.detectionId,
      sample: p.sample,
    };
    const fields = (BUILDERS.get(type) ?? a.generic)(input);
    return this.#assemble(type, input, fields);
  }

  #assemble(type: number, input: BuildInput, fields: EventFields): GeneratedEvent {
    const { detection, detection_id, severity, start_timestamp, start_date, ...rest } = fields;
    const c = input.computer;
    const seconds = Math.floor(input.timeMs / 1000);
    const body: Record<string, unknown> = {
      timestamp: seconds,
      timestamp_nanoseconds: (input.timeMs % 1000) * 1_000_000 + this.#rng.int(0, 999) * 1000,
      date: isoSeconds(input.timeMs),
      event_type: eventTypeById(type)?.name ?? `Event ${type}`,
      event_type_id: type,
      ...(detection === undefined ? {} : { detection }),
      ...(detection_id === undefined ? {} : { detection_id }),
      connector_guid: c.connectorGuid,
      ...(NO_GROUP_GUIDS.has(type) ? {} : { group_guids: [c.groupGuid] }),
      ...(severity === undefined ? {} : { severity }),
      ...(start_timestamp === undefined ? {} : { start_timestamp, start_date }),
      computer: computerJson(c, input.apiUrl, this.#rng.chance(0.6)),
      ...rest,
    };
    if (this.#withoutId && NO_ID.has(type)) {
      return {
        event: body as unknown as SecureEndpointEvent,
        json: JSON.stringify(body),
        eventTypeId: type,
        connectorGuid: c.connectorGuid,
        groupGuid: c.groupGuid,
        timestamp: seconds,
      };
    }
    const id = this.#ids.next().toString();
    // JSON.stringify cannot write an integer above 2^53 exactly: splice the id in as text.
    const json = `{"id":${id},${JSON.stringify(body).slice(1)}`;
    return {
      event: { id, ...body } as unknown as SecureEndpointEvent,
      json,
      eventTypeId: type,
      connectorGuid: c.connectorGuid,
      groupGuid: c.groupGuid,
      timestamp: seconds,
    };
  }
}

function isRestrictive(f: GenerateFilter): boolean {
  return Boolean(f.eventTypeIds?.length || f.groupGuids?.length || f.connectorGuids?.length);
}
