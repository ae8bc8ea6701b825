/**
 * Prototype behind bench/formats-writer-ab.ts (not used by the product).
 *
 * A JSON writer that produces exactly what `JSON.stringify` produces for the plain values the
 * formats build (objects, arrays, strings, finite numbers, booleans, null; `undefined` members
 * left out), without the generic machinery: strings that need no escaping (the common case:
 * ASCII without `"`, `\` or control characters, and no surrogates) are appended as they are.
 *
 * `JSON.stringify` rules kept: `\b \f \n \r \t \" \\` short escapes, other C0 controls as
 * `\u00xx`, lone surrogates as `\udxxx` (well-formed JSON.stringify, ES2019), `-0` as `0`,
 * non-finite numbers as `null`, `undefined` / functions / symbols left out of objects and
 * written as `null` in arrays, `toJSON()` honoured.
 */

/** Characters that need escaping, or a surrogate (checked further). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `s` as a JSON string literal, as `JSON.stringify(s)` writes it. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return JSON.stringify(s);
}

/** `value` as JSON text, byte for byte what `JSON.stringify(value)` returns. */
export function writeJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? '0' : String(value)) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return writeObject(value);
    case 'bigint':
      return JSON.stringify(value); // throws as JSON.stringify does
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function writeObject(value: object): string | undefined {
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += writeJson(value[i]) ?? 'null';
    }
    return out + ']';
  }
  let out = '{';
  let first = true;
  const rec = value as Record<string, unknown>;
  for (const key in rec) {
    if (!Object.prototype.hasOwnProperty.call(rec, key)) continue;
    const v = writeJson(rec[key]);
    if (v === undefined) continue;
    out += first ? keyPrefix(key) + v : ',' + keyPrefix(key) + v;
    first = false;
  }
  return out + '}';
}

/** `"key":` for each key seen: the formats use a few hundred distinct keys at most. */
const KEY_PREFIX = new Map<string, string>();
const KEY_CACHE_MAX = 4096;

function keyPrefix(key: string): string {
  let p = KEY_PREFIX.get(key);
  if (p === undefined) {
    p = jsonString(key) + ':';
    if (KEY_PREFIX.size < KEY_CACHE_MAX) KEY_PREFIX.set(key, p);
  }
  return p;
}
