import { isIP } from 'node:net';
import type { DecodedEvent } from '../event/types.js';
import type { Format, FormatName } from './types.js';

/**
 * Defensive accessors shared by the mappers. The event type (`SecureEndpointEvent`) describes
 * what Cisco documents, but a formatter runs on whatever arrived: any field may be missing or
 * of another type. Mappers read fields only through these helpers, so a wrong type reads as
 * "absent" (and the value is kept in the vendor/unmapped area by `leftovers`) instead of
 * crashing or emitting a wrongly typed field.
 */

export type Obj = Readonly<Record<string, unknown>>;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function arr(v: unknown): readonly unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** A non-empty string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A finite number. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A safe integer. */
export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** An IPv4/IPv6 address (validated: an invalid value would make a typed `ip` field reject the record). */
export function ip(v: unknown): string | undefined {
  return typeof v === 'string' && isIP(v) !== 0 ? v : undefined;
}

/** A TCP/UDP port number. */
export function port(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : undefined;
}

const MAC = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}$/;

/** A 48-bit MAC address in colon or dash notation. */
export function mac(v: unknown): string | undefined {
  return typeof v === 'string' && MAC.test(v) ? v : undefined;
}

/**
 * Elastic/ECS MAC notation: upper case, dash separated (`00-50-56-AA-BB-CC`), from a MAC that
 * `mac()` accepted (17 characters, one separator). Slicing the six octets costs ~100 ns less
 * than `replaceAll` + `toUpperCase` (Node 20).
 */
export function macEcs(m: string): string {
  const u = m.toUpperCase();
  if (u.charCodeAt(2) === 0x2d) return u;
  return `${u.slice(0, 2)}-${u.slice(3, 5)}-${u.slice(6, 8)}-${u.slice(9, 11)}-${u.slice(12, 14)}-${u.slice(15, 17)}`;
}

/** Push `v` when it is a string not yet in `list` (small lists: a linear scan beats a Set). */
export function pushUnique(list: string[], v: string | undefined): void {
  if (v !== undefined && !list.includes(v)) list.push(v);
}

/** `jdoe@CORP` → name + domain; "Not Available" (Cisco's placeholder) → nothing. */
export function splitUser(v: unknown): { name: string; domain: string | undefined } | undefined {
  const s = str(v);
  if (s === undefined || s === 'Not Available') return undefined;
  const at = s.indexOf('@');
  if (at > 0 && at === s.lastIndexOf('@') && at < s.length - 1) {
    return { name: s.slice(0, at), domain: s.slice(at + 1) };
  }
  return { name: s, domain: undefined };
}

/** Epoch milliseconds from the event's `timestamp` (s) + `timestamp_nanoseconds` (sub-second ns). */
export function epochMillis(timestamp: unknown, nanos: unknown): number | undefined {
  const s = int(timestamp);
  if (s === undefined) return undefined;
  const ns = subSecondNanos(nanos);
  return s * 1000 + (ns === undefined ? 0 : Math.floor(ns / 1_000_000));
}

function subSecondNanos(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 999_999_999 ? v : undefined;
}

/** Highest epoch second `Date` can represent (±8.64e15 ms). */
const MAX_DATE_SECONDS = 8_640_000_000_000;

/**
 * RFC 3339 UTC time from epoch seconds, with the nanoseconds as a 9-digit fraction when given
 * (`2023-11-14T22:13:20.619000000Z`); undefined for values `Date` cannot represent.
 */
export function isoTime(timestamp: unknown, nanos?: unknown): string | undefined {
  const s = int(timestamp);
  if (s === undefined || Math.abs(s) > MAX_DATE_SECONDS) return undefined;
  const ns = subSecondNanos(nanos);
  return `${isoSeconds(s)}.${ns === undefined ? '000' : String(ns).padStart(9, '0')}Z`;
}

/** First second of the year 10000: from there on `Date` prints a 6-digit signed year. */
const YEAR_10000 = 253_402_300_800;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** The last day printed (days since the epoch) and its `YYYY-MM-DDT`: events come in time order. */
let lastDay = Number.NaN;
let lastDayPrefix = '';

/**
 * `YYYY-MM-DDTHH:MM:SS` of an epoch second, as `Date#toISOString` writes it (a test holds the
 * two equal). The date part is computed once per day, the time of day by arithmetic: building
 * a `Date` and its string for every event cost ~0.4 µs, most of `isoTime`.
 */
function isoSeconds(s: number): string {
  if (s < 0 || s >= YEAR_10000) return new Date(s * 1000).toISOString().slice(0, -5);
  const day = Math.floor(s / 86_400);
  if (day !== lastDay) {
    lastDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    lastDay = day;
  }
  const r = s - day * 86_400;
  const h = Math.floor(r / 3600);
  const m = Math.floor((r - h * 3600) / 60);
  return `${lastDayPrefix}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[r - h * 3600 - m * 60]}`;
}

/** Epoch ms of an RFC 3339 / ISO 8601 `date` string, when it parses. */
export function dateMillis(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

/** True for paths Secure Endpoint reports from Windows (`\\?\C:\…`, `C:\…`, `/C:/…`, `file:///C%3A/…`). */
export function isWindowsPath(p: string): boolean {
  return p.includes('\\') || /^(?:\/?[A-Za-z]:\/|file:\/\/\/[A-Za-z](?::|%3A))/i.test(p);
}

/** Severity words Cisco sends (`Low`…`Critical`; threat hunting uses lower case). */
export type SeverityWord = 'Low' | 'Medium' | 'High' | 'Critical';

export function severityWord(v: unknown): SeverityWord | undefined {
  if (typeof v !== 'string') return undefined;
  switch (v.toLowerCase()) {
    case 'low':
      return 'Low';
    case 'medium':
      return 'Medium';
    case 'high':
      return 'High';
    case 'critical':
      return 'Critical';
    default:
      return undefined;
  }
}

const UNICODE_BREAKS = /[\u0085\u2028\u2029]/g;

/** A format that writes `map(event)` as one JSON line (ecs, ocsf). */
export function jsonLineFormat(name: FormatName, map: (d: DecodedEvent) => unknown): Format {
  return { name, kind: 'json', render: (d) => oneLineJson(JSON.stringify(map(d)), d.raw) };
}

/**
 * JSON.stringify escapes C0 controls but leaves NEL (U+0085), LS (U+2028) and PS (U+2029) raw;
 * some line readers split on them, so JSON records escape them too (still the same JSON value).
 *
 * Hot path: every string in a record comes from the event (or from ASCII constants), so when the
 * message body holds none of these characters, raw or escaped, the record cannot contain them
 * and the scan of the (larger) output is skipped.
 */
export function oneLineJson(json: string, source: Buffer): string {
  if (!mayHoldLineBreaks(source)) return json;
  return json.replace(UNICODE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const BACKSLASH_U = Buffer.from('\\u', 'latin1');

/**
 * True when the UTF-8 JSON text holds NEL, LS or PS, raw (C2 85, E2 80 A8, E2 80 A9) or as an
 * escape (`\u0085`, `\u2028`, `\u2029`: digits only, so no case to fold). Checking the bytes
 * after each lead byte and each `\u` keeps the scan of the output for the events that really
 * hold one: any non-ASCII text (a `’` is E2 80 99) or a Windows path with `\\u…` (`\\users`)
 * would otherwise send the whole record through the replace. A `\\u2028` (an escaped backslash)
 * still counts: the replace then finds nothing and the record is unchanged.
 */
function mayHoldLineBreaks(b: Buffer): boolean {
  for (let i = b.indexOf(0xc2); i !== -1; i = b.indexOf(0xc2, i + 1)) if (b[i + 1] === 0x85) return true;
  for (let i = b.indexOf(0xe2); i !== -1; i = b.indexOf(0xe2, i + 1))
    if (b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) return true;
  for (let i = b.indexOf(BACKSLASH_U); i !== -1; i = b.indexOf(BACKSLASH_U, i + 2)) {
    const a = b[i + 2];
    const c = b[i + 3];
    const d = b[i + 4];
    const e = b[i + 5];
    // 0x30 '0', 0x32 '2', 0x38 '8', 0x39 '9', 0x35 '5'
    if (a === 0x30 && c === 0x30 && d === 0x38 && e === 0x35) return true;
    if (a === 0x32 && c === 0x30 && d === 0x32 && (e === 0x38 || e === 0x39)) return true;
  }
  return false;
}
