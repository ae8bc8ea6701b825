import { Hono } from 'hono';
import { isAmpError } from '../../errors.js';
import { parseBasicAuth, scopeOf } from './auth.js';
import {
  type RestDeps,
  TEXT_RATE_LIMITED,
  TEXT_READ_ONLY,
  TEXT_UNAUTHORIZED,
  jsonResponse,
} from './context.js';
import { errorBody } from './envelope.js';
import { registerInjectRoutes } from './inject-routes.js';
import { registerOrgRoutes } from './org-routes.js';
import { registerStreamRoutes } from './stream-routes.js';

/**
 * The emulated REST API v1 as a hono app (served over HTTPS by index.ts; `app.request()`
 * works too). Every request: Basic auth → rate-limit headers (and 429) → scope check
 * (read-only keys get 403 on POST/PATCH/DELETE) → route. Paths match with or without a
 * trailing slash (`strict: false`), as the cloud's do.
 */

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export function createRestApp(deps: RestDeps): Hono {
  const app = new Hono({ strict: false });

  app.use('*', async (c, next) => {
    const creds = parseBasicAuth(c.req.header('authorization'));
    const scope = scopeOf(creds, deps.credentials);
    const rate = deps.limiter.take(scope === undefined ? `unknown:${creds?.user ?? ''}` : `key:${scope}`);
    for (const [k, v] of Object.entries(rate.headers)) c.header(k, v);
    if (scope === undefined) return jsonResponse(c, 401, errorBody(401, [TEXT_UNAUTHORIZED]));
    if (!rate.allowed) return jsonResponse(c, 429, errorBody(429, [TEXT_RATE_LIMITED]));
    if (scope === 'read-only' && WRITE_METHODS.has(c.req.method)) {
      return jsonResponse(c, 403, errorBody(403, [TEXT_READ_ONLY]));
    }
    await next();
  });

  registerOrgRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerInjectRoutes(app, deps);

  app.notFound((c) =>
    jsonResponse(c, 404, errorBody(404, [`No route for ${c.req.method} ${new URL(c.req.url).pathname}`])),
  );

  app.onError((err, c) => {
    if (isAmpError(err)) {
      const status = err.details.status ?? 500;
      const messages = err.details.messages;
      if (status < 500 && messages !== undefined) return jsonResponse(c, status, errorBody(status, messages));
    }
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'emulator: request failed');
    return jsonResponse(c, 500, errorBody(500, ['The emulator could not complete the request; see its log']));
  });

  return app;
}
