import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { EventGenerator, TYPE } from '../../src/emulator/generator/generator.js';

const API = 'https://127.0.0.1:1';

function drain(g: EventGenerator, n: number) {
  return Array.from({ length: n }, () => g.next());
}

describe('event generator', () => {
  it('builds the same fleet and the same event contents from the same seed', () => {
    let t = 1_800_000_000_000;
    const clock = () => (t += 7);
    const a = new EventGenerator({ seed: 42, apiUrl: API, clock });
    t = 1_800_000_000_000;
    const b = new EventGenerator({ seed: 42, apiUrl: API, clock });
    expect(a.fleet).toEqual(b.fleet);
    const ea = drain(a, 50).map((e) => e.json);
    t = 1_800_000_000_000;
    const eb = drain(b, 50).map((e) => e.json);
    expect(eb).toEqual(ea);
    expect(new EventGenerator({ seed: 43, apiUrl: API }).fleet.computers[0]).not.toEqual(
      a.fleet.computers[0],
    );
  });

  it('writes ids above 2^53 as bare integers that decode losslessly, unique and increasing', () => {
    const g = new EventGenerator({ seed: 1, apiUrl: API });
    const events = drain(g, 500);
    let previous = 0n;
    for (const e of events) {
      expect(e.json.startsWith(`{"id":${e.event.id},`)).toBe(true);
      const id = BigInt(e.event.id!);
      expect(id > 2n ** 53n).toBe(true);
      expect(id > previous).toBe(true);
      previous = id;
      const decoded = decodeEvent(Buffer.from(e.json));
      expect(decoded.ok && decoded.value.event.id).toBe(e.event.id);
    }
  });

  it('follows a Threat Detected with its quarantine outcome, sharing the detection_id', () => {
    const g = new EventGenerator({ seed: 3, apiUrl: API });
    const events = drain(g, 2000).map((e) => e.event);
    let pairs = 0;
    events.forEach((e, i) => {
      if (e.event_type_id !== TYPE.THREAT_DETECTED) return;
      const next = events[i + 1];
      if (next === undefined) return;
      expect([TYPE.THREAT_QUARANTINED, TYPE.QUARANTINE_FAILURE]).toContain(next.event_type_id);
      expect(next.detection_id).toBe(e.detection_id);
      expect(next.connector_guid).toBe(e.connector_guid);
      expect(e.file?.identity?.sha256).toBe(next.file?.identity?.sha256);
      pairs++;
    });
    expect(pairs).toBeGreaterThan(50);
  });

  it('emits a realistic mix of the common event types with their type-specific fields', () => {
    const g = new EventGenerator({ seed: 5, apiUrl: API });
    const events = drain(g, 5000);
    const byType = new Map<number, (typeof events)[number]['event']>();
    for (const e of events) byType.set(e.eventTypeId, e.event);
    for (const t of Object.values(TYPE)) expect(byType.has(t), `type ${t}`).toBe(true);
    expect(byType.get(TYPE.VULNERABLE_APP)?.vulnerabilities?.[0]?.name).toEqual(expect.any(String));
    expect(typeof byType.get(TYPE.VULNERABLE_APP)?.vulnerabilities?.[0]?.score).toBe('string');
    expect(byType.get(TYPE.CLOUD_IOC)?.cloud_ioc?.short_description).toMatch(/\.ioc$/);
    expect(byType.get(TYPE.QUARANTINE_FAILURE)?.error?.error_code).toEqual(expect.any(Number));
    expect(byType.get(TYPE.DFC_THREAT)?.network_info?.nfm?.protocol).toBe('TCP');
    expect(byType.get(TYPE.SCAN_COMPLETED_CLEAN)?.scan?.clean).toBe(true);
    expect(byType.get(TYPE.ISOLATION_START)?.isolation?.duration).toEqual(expect.any(Number));
    expect(byType.get(TYPE.THREAT_HUNTING)?.techniques?.length).toBeGreaterThan(0);
    expect(byType.get(TYPE.THREAT_HUNTING)?.group_guids).toBeUndefined();
    expect(byType.get(TYPE.POLICY_UPDATE)?.severity).toBeUndefined();
    const sizes = events.map((e) => e.json.length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(700);
    expect(mean).toBeLessThan(2000);
  });

  it('keeps events consistent with the fleet (computer, group, links)', () => {
    const g = new EventGenerator({ seed: 9, apiUrl: API });
    for (const { event, groupGuid } of drain(g, 300)) {
      const computer = g.fleet.computers.find((c) => c.connectorGuid === event.connector_guid);
      expect(computer).toBeDefined();
      expect(computer?.groupGuid).toBe(groupGuid);
      expect(event.computer?.hostname).toBe(computer?.hostname);
      expect(event.computer?.links?.computer).toBe(`${API}/v1/computers/${computer?.connectorGuid}`);
      if (event.group_guids !== undefined) expect(event.group_guids).toEqual([groupGuid]);
      const windowsComputer = computer?.operatingSystem.startsWith('Windows') === true;
      if (event.event_type_id === TYPE.EXPLOIT_PREVENTION || event.event_type_id === TYPE.CLOUD_IOC) {
        expect(windowsComputer).toBe(true);
      }
      const parent = event.file?.parent?.file_name ?? event.network_info?.parent?.file_name;
      if (parent !== undefined) expect(/\.exe$/i.test(parent)).toBe(windowsComputer);
    }
  });

  it('produces only the asked event types, groups and computers when filtered', () => {
    const g = new EventGenerator({ seed: 2, apiUrl: API });
    const group = g.fleet.groups[2]!.guid;
    const events = Array.from({ length: 100 }, () =>
      g.next({ eventTypeIds: [TYPE.THREAT_DETECTED, 553648137], groupGuids: [group] }),
    );
    expect(new Set(events.map((e) => e.eventTypeId))).toEqual(new Set([TYPE.THREAT_DETECTED, 553648137]));
    expect(events.every((e) => e.groupGuid === group)).toBe(true);
    expect(events.find((e) => e.eventTypeId === 553648137)?.event.event_type).toBe('Product Update Failed');
    expect(() => g.next({ groupGuids: ['no-such-group'] })).toThrow(RangeError);
  });
});
