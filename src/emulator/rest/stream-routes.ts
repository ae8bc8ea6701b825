import type { Hono } from 'hono';
import { AmpError } from '../../errors.js';
import { TEXT_NOT_FOUND } from '../streams.js';
import { type RestDeps, jsonResponse, selfUrl } from './context.js';
import { API_VERSION, resourceBody } from './envelope.js';
import { list, one, readParams } from './params.js';

/**
 * `/v1/event_streams` (docs/secure-endpoint-api.md §2.1): GET list, POST create (201, the only response with
 * the password), GET/PATCH/DELETE one. Request fields are singular (`event_type`,
 * `group_guid`), response fields plural (`event_types`, `group_guids`).
 */

function streamId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) {
    throw new AmpError('API_NOT_FOUND', TEXT_NOT_FOUND, {
      details: { status: 404, messages: [TEXT_NOT_FOUND] },
    });
  }
  return Number(raw);
}

export function registerStreamRoutes(app: Hono, deps: RestDeps): void {
  app.get('/v1/event_streams', (c) => {
    const data = deps.streams.list();
    return jsonResponse(
      c,
      200,
      JSON.stringify({
        version: API_VERSION,
        metadata: { links: { self: selfUrl(c, deps.baseUrl()) } },
        data,
      }),
    );
  });

  app.post('/v1/event_streams', async (c) => {
    const params = await readParams(c.req.raw);
    const view = await deps.streams.create({
      name: one(params, 'name'),
      eventTypes: list(params, 'event_type'),
      groupGuids: list(params, 'group_guid'),
    });
    return jsonResponse(c, 201, resourceBody(selfUrl(c, deps.baseUrl()), view));
  });

  app.get('/v1/event_streams/:id', (c) => {
    const view = deps.streams.get(streamId(c.req.param('id')));
    return jsonResponse(c, 200, resourceBody(selfUrl(c, deps.baseUrl()), view));
  });

  app.patch('/v1/event_streams/:id', async (c) => {
    const id = streamId(c.req.param('id'));
    const params = await readParams(c.req.raw);
    const view = await deps.streams.update(id, {
      name: one(params, 'name'),
      eventTypes: list(params, 'event_type'),
      groupGuids: list(params, 'group_guid'),
    });
    return jsonResponse(c, 200, resourceBody(selfUrl(c, deps.baseUrl()), view));
  });

  app.delete('/v1/event_streams/:id', async (c) => {
    await deps.streams.delete(streamId(c.req.param('id')));
    return jsonResponse(c, 200, resourceBody(selfUrl(c, deps.baseUrl()), {}));
  });
}
