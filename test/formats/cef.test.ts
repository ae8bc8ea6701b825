import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import { cefFormat } from '../../src/formats/cef/index.js';
import { escapeHeader, escapeValue, truncate } from '../../src/formats/cef/escape.js';
import { loadEventFixtures, type EventFixture } from '../fixtures/events/load.js';
import { parseCef } from './helpers/cef-parse.js';

const fixtures = loadEventFixtures();

function fixture(prefix: string): EventFixture {
  const f = fixtures.find((x) => x.name.startsWith(prefix));
  if (f === undefined) throw new Error(`no fixture ${prefix}`);
  return f;
}

function renderText(text: string): string {
  const d = decodeEvent(Buffer.from(text));
  if (!d.ok) throw new Error('no decode');
  return cefFormat.render(d.value) as string;
}

describe('cef format', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))(
    'writes a parseable one-line CEF record for %s',
    (_name, f) => {
      const line = cefFormat.render(f.decoded) as string;
      expect(line).not.toMatch(/[\r\n]/);
      const { header, ext } = parseCef(line);
      expect(header.slice(0, 4)).toEqual(['CEF:0', 'Cisco', 'Secure Endpoint', 'v1']);
      expect(header[4]).toBe(String(f.decoded.event.event_type_id));
      expect(header[5]).toBe(f.decoded.event.event_type);
      expect(Number(header[6])).toBeGreaterThanOrEqual(0);
      expect(Number(header[6])).toBeLessThanOrEqual(10);
      expect(ext.get('externalId')).toBe(f.id);
      expect(ext.get('rt')).toMatch(/^\d{13}$/);
    },
  );

  it('maps severity Low 3, Medium 5, High 8, Critical 10, and by class when absent', () => {
    const sev = (p: string): string => parseCef(cefFormat.render(fixture(p).decoded) as string).header[6]!;
    expect([sev('e06'), sev('e01'), sev('e04'), sev('e12')]).toEqual(['3', '5', '8', '10']);
    expect(sev('e08')).toBe('1'); // info, no severity
    const failure = fixture('e03').compact.replace('"severity":"Medium",', '');
    expect(parseCef(renderText(failure)).header[6]).toBe('5');
    const threat = fixture('e01').compact.replace('"severity":"Medium",', '');
    expect(parseCef(renderText(threat)).header[6]).toBe('7');
  });

  it('uses the CEF dictionary keys for a threat detection', () => {
    const { ext } = parseCef(cefFormat.render(fixture('e01').decoded) as string);
    expect(Object.fromEntries(ext)).toMatchObject({
      rt: '1700000000619',
      cat: 'threat',
      act: 'alert',
      dvchost: 'WS-FIN-042',
      dvc: '10.1.2.3',
      dvcmac: '00:50:56:AA:BB:CC',
      dhost: 'WS-FIN-042',
      duser: 'jdoe',
      dntdom: 'CORP',
      fname: 'invoice.exe',
      filePath: '\\\\?\\C:\\Users\\jdoe\\Downloads\\invoice.exe',
      fileHash: 'aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900',
      sproc: 'explorer.exe',
      spid: '896',
      cs1: 'W32.Example.Trojan',
      cs1Label: 'Detection',
      cs2Label: 'Connector GUID',
      cs3: 'd7cf8b98-0000-4ce1-a0e5-d943ed6bab17',
      cs4: '6533241145273614338',
      cs4Label: 'Detection ID',
    });
  });

  it('maps quarantine, block and failure outcomes to act/outcome', () => {
    const ext = (p: string): Map<string, string> =>
      parseCef(cefFormat.render(fixture(p).decoded) as string).ext;
    expect(ext('e02').get('act')).toBe('quarantine');
    expect(ext('e17').get('act')).toBe('block');
    expect(ext('e03').get('outcome')).toBe('failure');
    expect(ext('e03').get('cn1')).toBe('3221225524');
  });

  it('maps network detections to src/dst by direction, with proto and request', () => {
    const { ext } = parseCef(cefFormat.render(fixture('e10').decoded) as string);
    expect(Object.fromEntries(ext)).toMatchObject({
      src: '10.1.2.3',
      spt: '55810',
      dst: '192.0.2.44',
      dpt: '80',
      proto: 'TCP',
      deviceDirection: '1',
      request: 'http://bad.example/h/index.php',
      shost: 'WS-FIN-042',
    });
    expect(ext.has('dhost')).toBe(false);
  });

  it('puts IPv6 addresses in the c6a custom fields with their labels', () => {
    const text = fixture('e10').compact.replace('"local_ip":"10.1.2.3"', '"local_ip":"2001:db8::7"');
    const { ext } = parseCef(renderText(text));
    expect(ext.get('src')).toBeUndefined();
    expect(ext.get('c6a2')).toBe('2001:db8::7');
    expect(ext.get('c6a2Label')).toBe('Source IPv6 Address');
    expect(ext.get('dst')).toBe('192.0.2.44');
  });

  it('escapes pipes and backslashes in the header and =, \\ and newlines in values', () => {
    const text = fixture('e01')
      .compact.replace('"event_type":"Threat Detected"', '"event_type":"Threat|Detected\\\\now\\nsoon"')
      .replace('"detection":"W32.Example.Trojan"', '"detection":"a=b\\\\c\\nd\\re|f"');
    const line = renderText(text);
    expect(line).toContain('|Threat\\|Detected\\\\now soon|');
    expect(line).toContain('cs1=a\\=b\\\\c\\nd\\re|f ');
    const { header, ext } = parseCef(line);
    expect(header[5]).toBe('Threat|Detected\\now soon');
    expect(ext.get('cs1')).toBe('a=b\\c\nd\re|f');
  });

  it('cuts values to the dictionary length before escaping', () => {
    expect(truncate('x'.repeat(50), 40)).toHaveLength(40);
    expect(truncate(`${'x'.repeat(39)}😀`, 40)).toBe('x'.repeat(39)); // no half surrogate pair
    const long = fixture('e01').compact.replace(
      '"detection":"W32.Example.Trojan"',
      `"detection":"${'='.repeat(5000)}"`,
    );
    const cs1 = parseCef(renderText(long)).ext.get('cs1')!;
    expect(cs1).toBe('='.repeat(4000));
  });

  it('drops control characters and folds Unicode line breaks', () => {
    expect(escapeValue('a\u0000b\u2028c\td')).toBe('ab c d');
    expect(escapeHeader('a\u0085b\nc')).toBe('a b c');
  });
});
