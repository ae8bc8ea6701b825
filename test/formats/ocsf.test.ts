import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { OCSF_VERSION, ocsfFormat } from '../../src/formats/ocsf/index.js';
import { validateOcsfEvent } from '../../src/formats/ocsf/validate.js';
import { loadEventFixtures, type EventFixture } from '../fixtures/events/load.js';
import { loadOcsfSchema, type Doc } from './helpers/reference.js';

const fixtures = loadEventFixtures();
const schema = loadOcsfSchema();

function render(f: EventFixture): Doc {
  return JSON.parse(ocsfFormat.render(f.decoded) as string);
}

function fixture(prefix: string): EventFixture {
  const f = fixtures.find((x) => x.name.startsWith(prefix));
  if (f === undefined) throw new Error(`no fixture ${prefix}`);
  return f;
}

describe('ocsf format', () => {
  it('declares the schema version of the reference schema', () => {
    expect(OCSF_VERSION).toBe(schema.version);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('produces a schema-valid event for %s', (_name, f) => {
    const result = validateOcsfEvent(schema, render(f));
    expect(result.errors).toEqual([]);
  });

  it('maps a threat detection to a Detection Finding that its quarantine updates', () => {
    const detected = render(fixture('e01'));
    const quarantined = render(fixture('e02'));
    expect(detected).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      status_id: 1,
      severity_id: 3,
      is_alert: true,
      action_id: 3,
      disposition_id: 15,
      time: 1700000000619,
      metadata: {
        uid: '6533241145273614339',
        correlation_uid: '6533241145273614338',
        profiles: ['security_control'],
      },
      finding_info: { uid: '6533241145273614338', title: 'Threat Detected: W32.Example.Trojan' },
      malware: [{ name: 'W32.Example.Trojan', classification_ids: [18] }],
    });
    expect(quarantined).toMatchObject({
      activity_id: 2,
      type_uid: 200402,
      status_id: 4,
      action_id: 2,
      disposition_id: 3,
      is_alert: false,
    });
    expect(quarantined.finding_info.uid).toBe(detected.finding_info.uid);
    expect(detected.evidences[0].process).toMatchObject({ pid: 896, name: 'explorer.exe' });
    expect(detected.device).toMatchObject({
      uid: '0b4883d4-0000-4404-9453-13cba0ee7662',
      hostname: 'WS-FIN-042',
      ip: '10.1.2.3',
      mac: '00:50:56:aa:bb:cc',
    });
  });

  it('names a hash-only file by its SHA-256 (the file object requires a name)', () => {
    const out = render(fixture('e02'));
    expect(out.evidences[0].file.name).toBe(
      'aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900',
    );
  });

  it('reports a failed quarantine as an uncorrected, still alertable update with the error code', () => {
    const out = render(fixture('e03'));
    expect(out).toMatchObject({
      activity_id: 2,
      status_id: 1,
      disposition_id: 13,
      is_alert: true,
      status_code: '3221225524',
      status_detail: 'Object name not found',
    });
  });

  it('maps Vulnerable Application Detected to a Vulnerability Finding, scores kept unmapped', () => {
    const out = render(fixture('e06'));
    expect(out.class_uid).toBe(2002);
    expect(out.vulnerabilities.map((v: Doc) => v.cve.uid as string)).toEqual([
      'CVE-2015-1641',
      'CVE-2017-11826',
    ]);
    expect(out.vulnerabilities[0].affected_packages).toEqual([{ name: 'Microsoft Office', version: '2013' }]);
    expect(out.unmapped.vulnerabilities).toEqual([{ score: '9.3' }, { score: '9.3' }]);
  });

  it('maps operational events to the Base Event with the Cisco type as activity name', () => {
    const policy = render(fixture('e08'));
    expect(policy).toMatchObject({
      class_uid: 0,
      category_uid: 0,
      activity_id: 99,
      activity_name: 'Policy Update',
      type_uid: 99,
      status_id: 1,
      severity_id: 1,
    });
    expect(policy.metadata.profiles).toEqual(['host']);
    const isolation = render(fixture('e13'));
    expect(isolation).toMatchObject({ class_uid: 0, disposition_id: 4, action_id: 2 });
    expect(isolation.unmapped.isolation).toEqual({ duration: 0, user: 'soc.analyst@example.com' });
    const update = render(fixture('e14'));
    expect(update.unmapped.bp_data.package_manager_current_version).toBe('8.2.1.21650');
  });

  it('describes scans with malware_scan_info, a detection scan as a finding', () => {
    expect(render(fixture('e09')).malware_scan_info).toEqual({
      name: 'Flash Scan',
      type_id: 99,
      type: 'Flash Scan',
      num_files: 2872,
      num_infected: 0,
    });
    const withDetections = render(fixture('e15'));
    expect(withDetections.class_uid).toBe(2004);
    expect(withDetections.malware_scan_info.num_infected).toBe(1);
  });

  it('maps MITRE data to attacks in finding_info and in the Security Control profile', () => {
    const out = render(fixture('e12'));
    expect(out.finding_info.attacks).toEqual(out.attacks);
    expect(out.finding_info.attacks).toContainEqual({
      technique: {
        uid: 'T1005',
        name: 'Data from Local System',
        src_url: 'https://attack.mitre.org/techniques/T1005',
      },
    });
    expect(out.finding_info.uid).toBe('6e5292d5-0000-49dc-839d-201bcba64562');
    expect(out.remediation.desc).toContain('Isolate the affected host');
    expect(out.severity_id).toBe(5);
  });

  it('describes a network detection with endpoints, url and connection direction', () => {
    const ev = render(fixture('e10')).evidences[0];
    expect(ev.src_endpoint).toEqual({ ip: '10.1.2.3', port: 55810 });
    expect(ev.dst_endpoint).toEqual({ ip: '192.0.2.44', port: 80 });
    expect(ev.connection_info).toMatchObject({ direction_id: 2, protocol_name: 'tcp', protocol_num: 6 });
  });

  it('lists hostnames, addresses, users, files, hashes, processes and URLs as observables', () => {
    const values = (p: string): string[] =>
      (render(fixture(p)).observables as Doc[]).map(
        (o) => `${o.type_id as number}:${o.name as string}=${o.value as string}`,
      );
    expect(values('e01')).toEqual([
      '1:device.hostname=WS-FIN-042',
      '2:device.ip=10.1.2.3',
      '3:device.mac=00:50:56:aa:bb:cc',
      '4:device.owner.name=jdoe',
      '7:evidences.file.name=invoice.exe',
      '8:evidences.file.hashes.value=0123456789abcdef0123456789abcdef',
      '8:evidences.file.hashes.value=0123456789abcdef0123456789abcdef01234567',
      '8:evidences.file.hashes.value=aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900',
      '9:evidences.process.name=explorer.exe',
      '7:evidences.process.file.name=explorer.exe',
      '8:evidences.process.file.hashes.value=bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900aa11',
    ]);
    expect(values('e10')).toContain('6:evidences.url.url_string=http://bad.example/h/index.php');
    expect(values('e02').filter((v) => v.startsWith('7:'))).toEqual([]); // hash-named file: no file-name observable
  });

  it('maps blocks to Denied/Blocked, even for a 0x21 type id', () => {
    expect(render(fixture('e17'))).toMatchObject({
      class_uid: 2004,
      action_id: 2,
      disposition_id: 2,
      is_alert: true,
    });
    expect(render(fixture('e11'))).toMatchObject({ action_id: 2, disposition_id: 2 });
  });

  it('keeps unknown fields under unmapped with ids as strings', () => {
    const f = fixture('e01');
    const text = f.compact.replace('{"id"', '{"other_id":7000000000000000001,"novel":[1,"a"],"id"');
    const d = decodeEvent(Buffer.from(text));
    if (!d.ok) throw new Error('no decode');
    const out = JSON.parse(ocsfFormat.render(d.value) as string);
    expect(out.unmapped.other_id).toBe('7000000000000000001');
    expect(out.unmapped.novel).toEqual([1, 'a']);
    expect(validateOcsfEvent(schema, out).errors).toEqual([]);
  });
});
