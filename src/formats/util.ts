import { isIP } from 'node:net';

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

/** Elastic/ECS MAC notation: upper case, dash separated (`00-50-56-AA-BB-CC`). */
export function macEcs(m: string): string {
  return m.replaceAll(':', '-').toUpperCase();
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
  const base = new Date(s * 1000).toISOString(); // always ends in ".000Z"
  const ns = subSecondNanos(nanos);
  if (ns === undefined) return base;
  return `${base.slice(0, -5)}.${String(ns).padStart(9, '0')}Z`;
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

/**
 * JSON.stringify escapes C0 controls but leaves NEL (U+0085), LS (U+2028) and PS (U+2029) raw;
 * some line readers split on them, so JSON records escape them too (still the same JSON value).
 *
 * Hot path: every string in a record comes from the event (or from ASCII constants), so when the
 * message body has neither the UTF-8 lead bytes of these characters (0xC2, 0xE2) nor a `\u`
 * escape, the record cannot contain them and the scan of the (larger) output is skipped.
 */
export function oneLineJson(json: string, source: Buffer): string {
  if (!source.includes(0xc2) && !source.includes(0xe2) && !source.includes('\\u')) return json;
  return json.replace(UNICODE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
