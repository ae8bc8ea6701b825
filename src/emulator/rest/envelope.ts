/**
 * The v1 JSON envelope (docs/secure-endpoint-api.md §1.3-1.4, §1.6), as pure functions.
 *
 *   success: {"version":"v1.2.0","metadata":{"links":{"self","next"?,"prev"?},
 *             "results":{"total","current_item_count","index","items_per_page"}},"data":…}
 *   error:   {"version":"v1.2.0","data":{},"errors":[{"error_code":<status>,
 *             "description":"<reason phrase>","details":["<message>",…]}]}
 * `data` is an array for collections and an object for single resources; `results` only
 * on collections. Pagination: `limit`/`offset`, `next` while more items follow, `prev` on
 * every page after the first.
 */

export const API_VERSION = 'v1.2.0';

/** (default) items per page, also the largest page the API serves */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 500;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

export function errorBody(status: number, details: readonly string[]): string {
  return JSON.stringify({
    version: API_VERSION,
    data: {},
    errors: [{ error_code: status, description: reasonPhrase(status), details }],
  });
}

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

export interface Links {
  readonly self: string;
  readonly next?: string;
  readonly prev?: string;
}

/** `self` as requested; `next`/`prev` with `offset` (and `limit`) replaced. */
export function pageLinks(selfUrl: string, page: Page, total: number): Links {
  const withOffset = (offset: number): string => {
    const u = new URL(selfUrl);
    u.searchParams.set('limit', String(page.limit));
    u.searchParams.set('offset', String(offset));
    return u.href;
  };
  return {
    self: selfUrl,
    ...(page.offset + page.limit < total ? { next: withOffset(page.offset + page.limit) } : {}),
    ...(page.offset > 0 ? { prev: withOffset(Math.max(0, page.offset - page.limit)) } : {}),
  };
}

export interface CollectionMeta {
  readonly links: Links;
  readonly results: {
    readonly total: number;
    readonly current_item_count: number;
    readonly index: number;
    readonly items_per_page: number;
  };
}

export function collectionMeta(selfUrl: string, page: Page, total: number, count: number): CollectionMeta {
  return {
    links: pageLinks(selfUrl, page, total),
    results: { total, current_item_count: count, index: page.offset, items_per_page: page.limit },
  };
}

export function collectionBody<T>(selfUrl: string, page: Page, all: readonly T[]): string {
  const items = all.slice(page.offset, page.offset + page.limit);
  return JSON.stringify({
    version: API_VERSION,
    metadata: collectionMeta(selfUrl, page, all.length, items.length),
    data: items,
  });
}

/** Same as collectionBody, for items that are already JSON text (events with 64-bit ids). */
export function rawCollectionBody(selfUrl: string, page: Page, all: readonly string[]): string {
  const items = all.slice(page.offset, page.offset + page.limit);
  const meta = JSON.stringify(collectionMeta(selfUrl, page, all.length, items.length));
  return `{"version":"${API_VERSION}","metadata":${meta},"data":[${items.join(',')}]}`;
}

export function resourceBody(selfUrl: string, data: unknown): string {
  return JSON.stringify({ version: API_VERSION, metadata: { links: { self: selfUrl } }, data });
}
