import type { ApiTransport } from './transport.js';

/**
 * Pagination (docs/secure-endpoint-api.md §1.6): `limit`/`offset`, and `metadata.links.next` until it is
 * absent. The next link is followed by its path and query only, applied to our own base URL:
 * responses may name another host for the same API (older ones say api.amp.sourcefire.com), and
 * the Basic-auth header must never be sent to a host the user did not choose.
 */
export async function* paginate<T>(
  transport: ApiTransport,
  firstPath: string,
  query: URLSearchParams | undefined,
  decode: (data: unknown) => T[],
): AsyncGenerator<T, void, undefined> {
  let path: string | undefined = firstPath;
  let q: URLSearchParams | undefined = query;
  const seen = new Set<string>();
  while (path !== undefined) {
    const key = `${path}?${q?.toString() ?? ''}`;
    if (seen.has(key)) return; // a server that links a page to itself must not loop us forever
    seen.add(key);
    const res = await transport.call('GET', path, q === undefined ? {} : { query: q });
    const items = decode(res.envelope.data);
    yield* items;
    const next = res.envelope.metadata.links?.next;
    if (next === undefined || next === '' || items.length === 0) return;
    const nextUrl = new URL(next, transport.baseUrl);
    const basePath = new URL(transport.baseUrl).pathname.replace(/\/+$/, '');
    path = nextUrl.pathname.startsWith(`${basePath}/`)
      ? nextUrl.pathname.slice(basePath.length)
      : nextUrl.pathname;
    q = nextUrl.searchParams;
  }
}

/** Collect an async iterable (e.g. `listAll(client.groups())`). */
export async function listAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
