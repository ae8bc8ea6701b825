import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { ECS_VERSION, ecsFormat } from '../../src/formats/ecs/index.js';
import { loadEventFixtures, type EventFixture } from '../fixtures/events/load.js';
import { ecsProblems } from './helpers/ecs-check.js';
import { loadEcsFields, type Doc } from './helpers/reference.js';

const fixtures = loadEventFixtures();
const ecs = loadEcsFields();

function render(f: EventFixture): Doc {
  return JSON.parse(ecsFormat.render(f.decoded) as string);
}

function fixture(prefix: string): EventFixture {
  const f = fixtures.find((x) => x.name.startsWith(prefix));
  if (f === undefined) throw new Error(`no fixture ${prefix}`);
  return f;
}

describe('ecs format', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))(
    'emits only ECS fields with compatible types for %s',
    (_name, f) => {
      expect(ecsProblems(render(f))).toEqual([]);
    },
  );

  it.each(fixtures.map((f) => [f.name, f] as const))(
    'uses only allowed categorisation values, consistently, for %s',
    (_name, f) => {
      const { event } = render(f);
      const allowed = (field: string): string[] => (ecs[field]?.allowed_values ?? []).map((a) => a.name);
      expect(allowed('event.kind')).toContain(event.kind);
      for (const c of event.category) expect(allowed('event.category')).toContain(c);
      for (const t of event.type) expect(allowed('event.type')).toContain(t);
      if (event.outcome !== undefined) expect(allowed('event.outcome')).toContain(event.outcome);
      const expected = new Map(
        (ecs['event.category']?.allowed_values ?? []).map((a) => [a.name, a.expected_event_types ?? []]),
      );
      for (const c of event.category)
        expect(
          event.type.some((t: string) => expected.get(c)!.includes(t)),
          `category ${c}`,
        ).toBe(true);
      for (const t of event.type)
        expect(
          event.category.some((c: string) => expected.get(c)!.includes(t)),
          `type ${t}`,
        ).toBe(true);
    },
  );

  it('names an ECS version whose fields exist in the reference (ecs_flat.yml is 9.5.0-dev)', () => {
    expect(ECS_VERSION).toMatch(/^9\.\d+\.\d+$/);
    expect(ecs['ecs.version']?.type).toBe('keyword');
  });

  it('maps a threat detection: id exact, time with nanoseconds, host, user, file, process, related', () => {
    const f = fixture('e01');
    const doc = render(f);
    expect(doc['@timestamp']).toBe('2023-11-14T22:13:20.619000000Z');
    expect(doc.event).toMatchObject({
      kind: 'alert',
      action: 'Threat Detected',
      code: '1090519054',
      id: '6533241145273614339',
      severity: 2,
      original: f.compact,
    });
    expect(doc.host).toMatchObject({
      name: 'ws-fin-042',
      hostname: 'WS-FIN-042',
      ip: ['10.1.2.3'],
      mac: ['00-50-56-AA-BB-CC'],
    });
    expect(doc.host.id).toBe('0b4883d4-0000-4404-9453-13cba0ee7662');
    expect(doc.user).toEqual({ name: 'jdoe', domain: 'CORP' });
    expect(doc.file.hash.md5).toBe('0123456789abcdef0123456789abcdef');
    expect(doc.process).toMatchObject({ pid: 896, name: 'explorer.exe' });
    expect(doc.rule).toEqual({ name: 'W32.Example.Trojan' });
    expect(doc.related.ip).toEqual(['198.51.100.20', '10.1.2.3']);
    expect(doc.related.hash).toContain('bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900aa11');
    expect(doc.cisco.secure_endpoint).toMatchObject({
      detection_id: '6533241145273614338',
      connector_guid: '0b4883d4-0000-4404-9453-13cba0ee7662',
      event_type_id: 1090519054,
      file: { disposition: 'Malicious' },
      related: { mac: ['00-50-56-AA-BB-CC'] },
    });
    expect(doc.cisco.secure_endpoint.computer.hostname).toBeUndefined();
  });

  it('keeps the original message bytes in event.original, even when they span several lines', () => {
    const f = fixture('e08');
    const decoded = decodeEvent(Buffer.from(f.text));
    if (!decoded.ok) throw new Error('fixture does not decode');
    const out = ecsFormat.render(decoded.value) as string;
    expect(out).not.toContain('\n');
    expect(JSON.parse(out).event.original).toBe(f.text);
  });

  it('maps a network detection to source, destination, direction and url by who connected', () => {
    const doc = render(fixture('e10'));
    expect(doc.source).toEqual({ ip: '10.1.2.3', port: 55810 });
    expect(doc.destination).toEqual({ ip: '192.0.2.44', port: 80 });
    expect(doc.network).toEqual({ transport: 'tcp', direction: 'egress' });
    expect(doc.url).toMatchObject({
      original: 'http://bad.example/h/index.php',
      domain: 'bad.example',
      scheme: 'http',
      path: '/h/index.php',
    });
    expect(doc.event.category).toEqual(['network', 'intrusion_detection']);
  });

  it('swaps source and destination for an incoming connection', () => {
    const f = fixture('e10');
    const text = f.compact.replace('Outgoing connection from', 'Incoming connection from');
    const d = decodeEvent(Buffer.from(text));
    if (!d.ok) throw new Error('no decode');
    const doc = JSON.parse(ecsFormat.render(d.value) as string);
    expect(doc.source.ip).toBe('192.0.2.44');
    expect(doc.network.direction).toBe('ingress');
  });

  it('maps MITRE tactics and techniques of a threat-hunting incident', () => {
    const doc = render(fixture('e12'));
    expect(doc.threat).toEqual({
      framework: 'MITRE ATT&CK',
      tactic: {
        id: ['TA0005'],
        name: ['Defense Evasion'],
        reference: ['https://attack.mitre.org/tactics/TA0005'],
      },
      technique: {
        id: ['T1005', 'T1053'],
        name: ['Data from Local System', 'Scheduled Task/Job'],
        reference: ['https://attack.mitre.org/techniques/T1005', 'https://attack.mitre.org/techniques/T1053'],
      },
    });
    expect(doc.cisco.secure_endpoint.threat_hunting.incident_title).toBe('Loader Variant');
    expect(doc.cisco.secure_endpoint.threat_hunting.tactics).toBeUndefined();
  });

  it('maps a vulnerable application to vulnerability.* and package.*', () => {
    const doc = render(fixture('e06'));
    expect(doc.vulnerability).toMatchObject({
      id: ['CVE-2015-1641', 'CVE-2017-11826'],
      score: { base: 9.3 },
      enumeration: 'CVE',
    });
    expect(doc.package).toEqual({ name: 'Microsoft Office', version: '2013' });
    expect(doc.cisco.secure_endpoint.related.cve).toEqual(['CVE-2015-1641', 'CVE-2017-11826']);
  });

  it('marks failure-class events with event.outcome failure and keeps the error in the vendor area', () => {
    const doc = render(fixture('e03'));
    expect(doc.event.outcome).toBe('failure');
    expect(doc.event.kind).toBe('alert');
    expect(doc.cisco.secure_endpoint.error).toEqual({
      error_code: 3221225524,
      description: 'Object name not found',
    });
  });

  it('marks operational events as event.kind event', () => {
    for (const p of ['e08', 'e09', 'e13', 'e14']) expect(render(fixture(p)).event.kind, p).toBe('event');
    expect(render(fixture('e09')).event).toMatchObject({ category: ['host'], type: ['end'], severity: 0 });
  });

  it('moves unknown and wrongly typed fields to cisco.secure_endpoint instead of dropping them', () => {
    const f = fixture('e01');
    const text = f.compact
      .replace('"hostname":"WS-FIN-042"', '"hostname":42')
      .replace('{"id"', '{"brand_new":{"x":1},"id"');
    const d = decodeEvent(Buffer.from(text));
    if (!d.ok) throw new Error('no decode');
    const doc = JSON.parse(ecsFormat.render(d.value) as string);
    expect(doc.cisco.secure_endpoint.brand_new).toEqual({ x: 1 });
    expect(doc.cisco.secure_endpoint.computer.hostname).toBe(42);
    expect(doc.host.name).toBeUndefined();
  });
});
