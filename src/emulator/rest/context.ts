import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { EventLog } from '../event-log.js';
import type { Fleet } from '../generator/fleet.js';
import type { StreamService } from '../streams.js';
import type { EmulatorCredentials } from '../types.js';
import type { RateLimiter } from './auth.js';

/** What the REST routes need, injected by index.ts (and by tests). */
export interface RestDeps {
  readonly credentials: EmulatorCredentials;
  readonly limiter: RateLimiter;
  readonly streams: StreamService;
  readonly fleet: Fleet;
  readonly eventLog: EventLog;
  /** the API's public base URL (no trailing slash), for `links` */
  readonly baseUrl: () => string;
  readonly logger: Logger;
}

export const TEXT_UNAUTHORIZED = 'Unknown API key or Client ID';
export const TEXT_READ_ONLY =
  'This API credential is read-only: POST, PATCH and DELETE need a Read & Write credential';
export const TEXT_RATE_LIMITED = 'Rate limit exceeded: too many requests for this API credential this hour';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' } as const;

export function jsonResponse<C extends Context>(c: C, status: number, body: string): Response {
  return c.body(body, status as 200, JSON_TYPE);
}

/** `self` link of the current request, on the public base URL. */
export function selfUrl<C extends Context>(c: C, base: string): string {
  const u = new URL(c.req.url);
  return `${base}${u.pathname}${u.search}`;
}
