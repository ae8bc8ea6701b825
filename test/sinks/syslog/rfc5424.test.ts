import { describe, expect, it } from 'vitest';
import { syslogOptionsSchema } from '../../../src/sinks/syslog/config.js';
import { syslogSeverity } from '../../../src/sinks/syslog/mapping.js';
import { recordToMessage } from '../../../src/sinks/syslog/message.js';
import {
  escapeParamValue,
  formatRfc5424,
  formatTimestamp,
  frame,
  headerField,
} from '../../../src/sinks/syslog/rfc5424.js';
import { makeRecords, textFormat } from '../http/support/records.js';

// The RFC 5424 grammar, as a regular expression over the formatted header (§6).
const HEADER =
  /^<(\d{1,3})>1 (-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (-|\[.*\])( |$)/s;

describe('formatRfc5424', () => {
  it('writes every header field, NILVALUE for the missing ones', () => {
    const out = formatRfc5424({ facility: 16, severity: 4, msg: 'hello' }).toString();
    expect(out).toBe('<132>1 - - - - - - hello');
  });

  it('computes PRI as facility * 8 + severity', () => {
    expect(formatRfc5424({ facility: 23, severity: 7 }).toString()).toMatch(/^<191>1 /);
    expect(formatRfc5424({ facility: 0, severity: 0 }).toString()).toMatch(/^<0>1 /);
  });

  it('escapes ", \\ and ] inside SD-PARAM values and nowhere else', () => {
    expect(escapeParamValue('a"b\\c]d[e')).toBe('a\\"b\\\\c\\]d[e');
    const out = formatRfc5424({
      facility: 1,
      severity: 6,
      structuredData: [{ id: 'x@32473', params: [['k', 'v"]\\']] }],
    });
    expect(out.toString()).toBe('<14>1 - - - - - [x@32473 k="v\\"\\]\\\\"]');
  });

  it('cuts header fields to their ABNF lengths and replaces non-PRINTUSASCII', () => {
    expect(headerField('a'.repeat(300), 255)).toHaveLength(255);
    expect(headerField('WS FIN\té', 255)).toBe('WS_FIN__');
    expect(headerField('', 48)).toBe('-');
    const out = formatRfc5424({
      facility: 1,
      severity: 1,
      appName: 'x'.repeat(60),
      msgId: 'm'.repeat(40),
      procId: 'p'.repeat(200),
    }).toString();
    const m = HEADER.exec(out);
    expect(m?.[5]).toHaveLength(48);
    expect(m?.[6]).toHaveLength(128);
    expect(m?.[7]).toHaveLength(32);
  });

  it('sanitises SD-NAMEs (no =, space, ] or ")', () => {
    const out = formatRfc5424({
      facility: 1,
      severity: 1,
      structuredData: [{ id: 'a b=c"d]', params: [['n=a me', 'v']] }],
    });
    expect(out.toString()).toContain('[a_b_c_d_ n_a_me="v"]');
  });

  it('prints RFC 3339 UTC timestamps with ms, or µs when the event has them', () => {
    expect(formatTimestamp({ epochSeconds: 1700000000 })).toBe('2023-11-14T22:13:20Z');
    expect(formatTimestamp({ epochSeconds: 1700000000, nanoseconds: 619000000 })).toBe(
      '2023-11-14T22:13:20.619Z',
    );
    expect(formatTimestamp({ epochSeconds: 1700000000, nanoseconds: 619123456 })).toBe(
      '2023-11-14T22:13:20.619123Z',
    );
    expect(formatTimestamp(undefined)).toBe('-');
  });

  it('adds the BOM only when asked (MSG-UTF8), otherwise MSG-ANY', () => {
    const withBom = formatRfc5424({ facility: 1, severity: 1, msg: 'é', bom: true });
    expect(withBom.subarray(-5)).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0xc3, 0xa9]));
    expect(formatRfc5424({ facility: 1, severity: 1, msg: 'é' }).subarray(-3)).toEqual(Buffer.from(' é'));
  });

  it('frames with the octet count of the message, not its character count', () => {
    const msg = Buffer.from('<14>1 - - - - - - é€');
    expect(frame(msg, 'octet-counting').toString()).toBe(`${msg.length} <14>1 - - - - - - é€`);
    expect(msg.length).toBeGreaterThan('<14>1 - - - - - - é€'.length);
    expect(frame(msg, 'lf').toString()).toBe('<14>1 - - - - - - é€\n');
  });
});

describe('recordToMessage', () => {
  const options = syslogOptionsSchema.parse({ type: 'syslog', host: 'x' });

  it('maps an event to a valid RFC 5424 message with its id in structured data', () => {
    const [r] = makeRecords(1, textFormat);
    const out = recordToMessage(r!, options).toString();
    const m = HEADER.exec(out);
    expect(m, out).not.toBeNull();
    expect(m![1]).toBe(String(16 * 8 + 5)); // local0, Low → notice
    expect(m![4]).toBe('WS-FIN-000');
    expect(m![5]).toBe('ampstream');
    expect(m![7]).toBe('1090519054');
    expect(out).toContain(
      '[ampstream@32473 id="6533241145273614339" event_type_id="1090519054" severity="Low"',
    );
    expect(out.endsWith(` ${r!.payload as string}`)).toBe(true);
  });

  it('uses the configured hostname over the event computer', () => {
    const [r] = makeRecords(1, textFormat);
    const out = recordToMessage(r!, { ...options, hostname: 'relay-1' }).toString();
    expect(HEADER.exec(out)![4]).toBe('relay-1');
  });

  it('maps severities Critical→crit, High→err, Medium→warning, Low→notice, none→info, with overrides', () => {
    expect(['Critical', 'High', 'Medium', 'Low', undefined, 'weird'].map((s) => syslogSeverity(s))).toEqual([
      2, 3, 4, 5, 6, 6,
    ]);
    expect(syslogSeverity('high', { high: 'alert' })).toBe(1);
    expect(syslogSeverity(undefined, { default: 'debug' })).toBe(7);
  });
});
