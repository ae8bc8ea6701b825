import { AmpError } from '../../errors.js';

/**
 * Request parameters the Rails way (docs/secure-endpoint-api.md §1.6-1.7): the same names arrive in the
 * query string, in a form body or in a JSON body, and list parameters come as
 * `event_type[]=1&event_type[]=2`, as repeated keys without brackets (what python-requests
 * sends for `data={"event_type": [1, 2]}`, the seed's own request), as a single value, or as
 * JSON arrays. Everything is normalised to name (brackets stripped) → list of strings.
 */

export type Params = ReadonlyMap<string, readonly string[]>;

function add(map: Map<string, string[]>, rawKey: string, value: string): void {
  const key = rawKey.replace(/\[\]$/, '');
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return '';
  return JSON.stringify(v);
}

export function paramsFromSearch(
  search: URLSearchParams,
  into = new Map<string, string[]>(),
): Map<string, string[]> {
  for (const [k, v] of search) add(into, k, v);
  return into;
}

export function paramsFromJson(body: unknown, into = new Map<string, string[]>()): Map<string, string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AmpError('API_BAD_REQUEST', 'the JSON body must be an object', {
      details: { status: 400, messages: ['the JSON body must be an object'] },
    });
  }
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      const key = k.replace(/\[\]$/, '');
      if (!into.has(key)) into.set(key, []); // an empty JSON array still means "sent, empty"
      for (const item of v) add(into, key, scalar(item));
    } else add(into, k, scalar(v));
  }
  return into;
}

/** Parse the body by content type and merge it over the query parameters. */
export async function readParams(request: Request): Promise<Params> {
  const map = paramsFromSearch(new URL(request.url).searchParams);
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'DELETE') return map;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await request.text();
  if (text.trim() === '') return map;
  if (type === 'application/json' || (type === '' && /^\s*\{/.test(text))) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AmpError('API_BAD_REQUEST', 'the request body is not valid JSON', {
        details: { status: 400, messages: ['the request body is not valid JSON'] },
      });
    }
    return paramsFromJson(body, map);
  }
  return paramsFromSearch(new URLSearchParams(text), map);
}

/** First value of a parameter, or undefined when absent. */
export function one(params: Params, name: string): string | undefined {
  return params.get(name)?.[0];
}

/** All non-empty values of a list parameter; undefined when absent (`[]` = sent empty). */
export function list(params: Params, name: string): string[] | undefined {
  const values = params.get(name);
  if (values === undefined) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A non-negative integer parameter, 400 otherwise. */
export function integer(
  params: Params,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = one(params, name);
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) {
    const message = `${name} must be a non-negative integer`;
    throw new AmpError('API_BAD_REQUEST', message, { details: { status: 400, messages: [message] } });
  }
  return Math.min(Number(v), max);
}
