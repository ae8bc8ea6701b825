/**
 * RFC 5424 message formatting (pure: no I/O, no clock).
 *
 * RFC 5424 §6 (the parts implemented here):
 *
 *     SYSLOG-MSG      = HEADER SP STRUCTURED-DATA [SP MSG]
 *     HEADER          = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *     PRI             = "<" PRIVAL ">"
 *     PRIVAL          = 1*3DIGIT ; range 0 .. 191
 *     VERSION         = NONZERO-DIGIT 0*2DIGIT
 *     HOSTNAME        = NILVALUE / 1*255PRINTUSASCII
 *     APP-NAME        = NILVALUE / 1*48PRINTUSASCII
 *     PROCID          = NILVALUE / 1*128PRINTUSASCII
 *     MSGID           = NILVALUE / 1*32PRINTUSASCII
 *     TIMESTAMP       = NILVALUE / FULL-DATE "T" FULL-TIME
 *     PARTIAL-TIME    = TIME-HOUR ":" TIME-MINUTE ":" TIME-SECOND [TIME-SECFRAC]
 *     TIME-SECFRAC    = "." 1*6DIGIT
 *     TIME-OFFSET     = "Z" / TIME-NUMOFFSET
 *     STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
 *     SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
 *     SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
 *     SD-ID           = SD-NAME
 *     PARAM-NAME      = SD-NAME
 *     PARAM-VALUE     = UTF-8-STRING ; characters '"', '\' and ']' MUST be escaped.
 *     SD-NAME         = 1*32PRINTUSASCII ; except '=', SP, ']', %d34 (")
 *     MSG             = MSG-ANY / MSG-UTF8
 *     MSG-ANY         = *OCTET ; not starting with BOM
 *     MSG-UTF8        = BOM UTF-8-STRING
 *     BOM             = %xEF.BB.BF
 *     PRINTUSASCII    = %d33-126
 *     NILVALUE        = "-"
 *
 * §6.3.5: "the backslash is used as an escape character... inside PARAM-VALUE, the
 * characters '"' (ABNF %d34), '\' (ABNF %d92), and ']' (ABNF %d93) MUST be escaped."
 * §6.4: MSG-UTF8 starts with a BOM; MSG-ANY (any octets, no BOM) is also valid. CEF
 * receivers look for "CEF:" at the start of MSG, so the BOM is off by default.
 */

export const NILVALUE = '-';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Field length limits from the ABNF above, in characters (all PRINTUSASCII, so also octets). */
export const LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32, sdName: 32 } as const;

export interface SdElement {
  readonly id: string;
  readonly params: readonly (readonly [name: string, value: string])[];
}

export interface Rfc5424Message {
  /** 0..23 */
  readonly facility: number;
  /** 0 (emerg) .. 7 (debug) */
  readonly severity: number;
  /** undefined = NILVALUE */
  readonly time?: { readonly epochSeconds: number; readonly nanoseconds?: number };
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly msgId?: string;
  readonly structuredData?: readonly SdElement[];
  readonly msg?: string | Buffer;
  /** (default=false) prefix MSG with the UTF-8 BOM (MSG-UTF8 instead of MSG-ANY) */
  readonly bom?: boolean;
}

export function formatRfc5424(m: Rfc5424Message): Buffer {
  const pri = m.facility * 8 + m.severity;
  const header =
    `<${pri}>1 ${formatTimestamp(m.time)} ${headerField(m.hostname, LIMITS.hostname)} ` +
    `${headerField(m.appName, LIMITS.appName)} ${headerField(m.procId, LIMITS.procId)} ${headerField(m.msgId, LIMITS.msgId)} ` +
    formatStructuredData(m.structuredData);
  if (m.msg === undefined) return Buffer.from(header);
  const msg = typeof m.msg === 'string' ? Buffer.from(m.msg) : m.msg;
  return Buffer.concat(
    m.bom === true ? [Buffer.from(header + ' '), BOM, msg] : [Buffer.from(header + ' '), msg],
  );
}

/** PRINTUSASCII only (anything else becomes "_"), cut to `max`; empty → NILVALUE. */
export function headerField(value: string | undefined, max: number): string {
  if (value === undefined || value === '') return NILVALUE;
  return value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
}

/** SD-NAME: PRINTUSASCII except '=', SP, ']', '"'; 1..32 characters. */
export function sdName(value: string): string {
  const clean = value.replace(/[^\x21-\x7e]|[=\]"]/g, '_').slice(0, LIMITS.sdName);
  return clean === '' ? '_' : clean;
}

export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function formatStructuredData(elements: readonly SdElement[] | undefined): string {
  if (elements === undefined || elements.length === 0) return NILVALUE;
  return elements
    .map(
      (e) =>
        `[${sdName(e.id)}${e.params.map(([n, v]) => ` ${sdName(n)}="${escapeParamValue(v)}"`).join('')}]`,
    )
    .join('');
}

/** RFC 3339 in UTC: milliseconds, or microseconds when the event has sub-ms precision. */
export function formatTimestamp(time: Rfc5424Message['time']): string {
  if (time === undefined || !Number.isFinite(time.epochSeconds)) return NILVALUE;
  const base = new Date(Math.floor(time.epochSeconds) * 1000).toISOString().slice(0, 19);
  const ns = time.nanoseconds ?? 0;
  if (!Number.isInteger(ns) || ns <= 0 || ns > 999_999_999) return `${base}Z`;
  const micros = String(Math.floor(ns / 1000)).padStart(6, '0');
  return `${base}.${micros.endsWith('000') ? micros.slice(0, 3) : micros}Z`;
}

/**
 * RFC 6587 §3.4.1 / RFC 5425 §4.3 octet counting:
 *
 *     SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG
 *     MSG-LEN      = NONZERO-DIGIT *DIGIT   ; octets of SYSLOG-MSG
 *
 * RFC 6587 §3.4.2 non-transparent framing (legacy receivers): SYSLOG-MSG followed by LF
 * (safe here: records never contain a newline).
 */
export function frame(message: Buffer, framing: 'octet-counting' | 'lf'): Buffer {
  if (framing === 'lf') return Buffer.concat([message, LF]);
  return Buffer.concat([Buffer.from(`${message.length} `), message]);
}

const LF = Buffer.from('\n');
