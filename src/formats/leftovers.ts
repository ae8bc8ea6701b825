import { ip, mac, port, str } from './util.js';

/**
 * The vendor/unmapped area: everything a mapper did not turn into a standard field.
 *
 * A mapper declares the fields it consumes as a `Consumed` tree whose leaves say which type it
 * accepted. `leftovers(event, tree)` returns a copy of the event without those fields, keeping:
 * - every key the tree does not mention (unknown fields, new Cisco fields),
 * - every consumed field whose value had another type than the mapper accepted (so nothing is
 *   silently dropped when Cisco changes a type: a string where an object was expected, …).
 *
 * A `__proto__` key in the input stays an own data property of the output (defineProperty), never
 * a prototype change. Outputs are plain objects, not null-prototype ones: V8 serialises those
 * (dictionary-mode) objects markedly slower in JSON.stringify.
 */
export type Leaf =
  /** a non-empty string */
  | 's'
  /** a finite number */
  | 'n'
  /** a boolean */
  | 'b'
  /** an IP address */
  | 'ip'
  /** a port number */
  | 'port'
  /** a MAC address */
  | 'mac'
  /** any array (consumed whole) */
  | 'a'
  /** anything */
  | '*';

export type Consumed = Leaf | { readonly [key: string]: Consumed } | readonly [Consumed];

/** The hashes of a file identity, as the ECS and OCSF mappers consume them. */
export const HASHES: Consumed = { sha256: 's', sha1: 's', md5: 's' };
/** A parent process (file.parent, network_info.parent), as the ECS and OCSF mappers consume it. */
export const PARENT: Consumed = { process_id: 'n', file_name: 's', identity: HASHES };
/** The event's identity and time, consumed by every mapper. */
export const EVENT_HEAD = {
  id: 's',
  timestamp: 'n',
  timestamp_nanoseconds: 'n',
  date: 's',
  event_type: 's',
} as const;

function leafMatches(v: unknown, leaf: Leaf): boolean {
  switch (leaf) {
    case 's':
      return str(v) !== undefined;
    case 'n':
      return typeof v === 'number' && Number.isFinite(v);
    case 'b':
      return typeof v === 'boolean';
    case 'ip':
      return ip(v) !== undefined;
    case 'port':
      return port(v) !== undefined;
    case 'mac':
      return mac(v) !== undefined;
    case 'a':
      return Array.isArray(v);
    case '*':
      return true;
  }
}

export function leftovers(value: unknown, spec: Consumed): unknown {
  if (typeof spec === 'string') return leafMatches(value, spec) ? undefined : value;
  if (Array.isArray(spec)) return arrayLeftovers(value, (spec as readonly [Consumed])[0]);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const objSpec = spec as { readonly [key: string]: Consumed };
  // allocated on the first kept key: most consumed groups leave nothing
  let out: Record<string, unknown> | undefined;
  // for…in, not Object.keys: no key array per object walked. The values come from JSON.parse
  // (plain objects, Object.prototype has no enumerable keys), so every key seen is an own key.
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    const sub = Object.hasOwn(objSpec, key) ? objSpec[key] : undefined;
    const rest = sub === undefined ? v : leftovers(v, sub);
    if (rest !== undefined) {
      out ??= {};
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: rest,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = rest;
    }
  }
  return out;
}

/** Arrays keep their positions: a fully consumed element becomes null. */
function arrayLeftovers(value: unknown, elemSpec: Consumed): unknown {
  if (!Array.isArray(value)) return value;
  // allocated on the first kept element (earlier ones become null)
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const rest = leftovers(value[i], elemSpec);
    if (rest !== undefined) {
      out ??= new Array<unknown>(i).fill(null);
      out.push(rest);
    } else if (out !== undefined) out.push(null);
  }
  return out;
}
