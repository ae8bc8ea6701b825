import { describe, expect, it } from 'vitest';
import { ocsfFormat } from '../../src/formats/ocsf/index.js';
import { validateOcsfEvent } from '../../src/formats/ocsf/validate.js';
import { loadEventFixtures } from '../fixtures/events/load.js';
import { loadOcsfSchema, type Doc } from './helpers/reference.js';

/** The validator must catch each kind of mistake, or the fixture test above proves nothing. */
const schema = loadOcsfSchema();
const [first] = loadEventFixtures();
const valid = (): Doc => JSON.parse(ocsfFormat.render(first!.decoded) as string);

function errorsOf(event: unknown): string[] {
  return validateOcsfEvent(schema, event).errors.map((e) => `${e.path}: ${e.message}`);
}

describe('OCSF validator', () => {
  it('resolves Detection Finding through base_event → finding → detection_finding', () => {
    const cls = schema.classByUid(2004)!;
    expect(cls.name).toBe('detection_finding');
    expect(cls.attributes.get('finding_info')?.requirement).toBe('required');
    expect(cls.attributes.get('malware')?.profile).toBeNull(); // re-declared with "profile": null
    expect(cls.attributes.get('disposition_id')?.profile).toBe('security_control');
    expect(cls.attributes.get('status_id')?.enumValues?.get(4)).toBe('Resolved');
    expect(schema.classByUid(0)?.name).toBe('base_event');
    expect(schema.classByUid(2002)?.name).toBe('vulnerability_finding');
  });

  it('accepts a correct event', () => {
    expect(errorsOf(valid())).toEqual([]);
  });

  it('reports a missing required attribute, also inside objects', () => {
    const e = valid();
    delete e.time;
    delete e.finding_info.uid;
    delete e.evidences[0].file.type_id;
    expect(errorsOf(e)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^time: required/),
        expect.stringMatching(/^finding_info\.uid: required/),
        expect.stringMatching(/^evidences\[0\]\.file\.type_id: required/),
      ]),
    );
  });

  it('reports attributes unknown to the class or object', () => {
    const e = valid();
    e.bogus = 1;
    e.device.nickname = 'x';
    expect(errorsOf(e).sort()).toEqual([
      expect.stringMatching(/^bogus: attribute not defined/),
      expect.stringMatching(/^device\.nickname: attribute not defined/),
    ]);
  });

  it('reports wrong types, failed patterns and values outside an enum', () => {
    const e = valid();
    e.time = '1700000000000';
    e.device.ip = '999.1.1.1';
    e.severity_id = 7;
    e.is_alert = 'yes';
    e.evidences[0].process.pid = 2 ** 40;
    const errs = errorsOf(e);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^time: expected timestamp_t/),
        expect.stringMatching(/^device\.ip: .* ip_t pattern/),
        expect.stringMatching(/^severity_id: 7 is not in the enum/),
        expect.stringMatching(/^is_alert: expected boolean_t/),
        expect.stringMatching(/^evidences\[0\]\.process\.pid: .*32-bit/),
      ]),
    );
  });

  it('reports profile attributes whose profile metadata.profiles does not list', () => {
    const e = valid();
    e.metadata.profiles = [];
    expect(errorsOf(e)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^disposition_id: attribute of profile "security_control"/),
      ]),
    );
  });

  it('reports at_least_one constraints and class identity mistakes', () => {
    const e = valid();
    e.device = { type_id: 0 };
    e.type_uid = 200499;
    e.category_uid = 3;
    expect(errorsOf(e)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^device: device needs at least one of/),
        expect.stringMatching(/^type_uid: expected/),
        expect.stringMatching(/^category_uid: expected 2/),
      ]),
    );
    expect(errorsOf({ ...valid(), class_uid: 9999 })).toEqual(['class_uid: unknown class_uid 9999']);
  });

  it('reports a caption that contradicts its id', () => {
    const e = valid();
    e.severity = 'High';
    expect(errorsOf(e)).toEqual(['severity: caption "High" does not match severity_id 3 ("Medium")']);
  });

  it('warns about missing recommended attributes without failing', () => {
    const result = validateOcsfEvent(schema, valid());
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.path)).toContain('confidence_id');
  });
});
