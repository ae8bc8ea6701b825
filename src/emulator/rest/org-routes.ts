import type { Hono } from 'hono';
import { AmpError } from '../../errors.js';
import { EVENT_TYPES } from '../../event/catalog.js';
import type { Computer, Group } from '../generator/fleet.js';
import { type RestDeps, jsonResponse, selfUrl } from './context.js';
import {
  API_VERSION,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type Page,
  collectionBody,
  rawCollectionBody,
  resourceBody,
} from './envelope.js';
import { type Params, integer, list, one, readParams } from './params.js';

/**
 * Read-only organisation endpoints (docs/secure-endpoint-api.md §3): `/v1/version`, `/v1/event_types`,
 * `/v1/groups[/{guid}]`, `/v1/computers[/{guid}]`, `/v1/events`. Field names follow §3.2-3.5.
 */

function page(params: Params): Page {
  return {
    limit: Math.max(1, integer(params, 'limit', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)),
    offset: integer(params, 'offset', 0),
  };
}

function notFound(what: string): AmpError {
  const message = `${what} not found`;
  return new AmpError('API_NOT_FOUND', message, { details: { status: 404, messages: [message] } });
}

function groupJson(g: Group, base: string): Record<string, unknown> {
  return {
    name: g.name,
    description: g.description,
    guid: g.guid,
    source: null,
    links: { group: `${base}/v1/groups/${g.guid}` },
  };
}

function computerJson(c: Computer, groups: readonly Group[], base: string): Record<string, unknown> {
  const g = groups.find((x) => x.guid === c.groupGuid)!;
  return {
    connector_guid: c.connectorGuid,
    hostname: c.hostname,
    windows_processor_id: c.windowsProcessorId,
    active: true,
    links: {
      computer: `${base}/v1/computers/${c.connectorGuid}`,
      trajectory: `${base}/v1/computers/${c.connectorGuid}/trajectory`,
      group: `${base}/v1/groups/${c.groupGuid}`,
    },
    connector_version: c.connectorVersion,
    operating_system: c.operatingSystem,
    os_version: c.osVersion,
    internal_ips: [c.internalIp],
    external_ip: c.externalIp,
    group_guid: c.groupGuid,
    install_date: c.installDate,
    is_compromised: false,
    demo: false,
    network_addresses: [{ mac: c.mac, ip: c.internalIp }],
    policy: { guid: g.policy.guid, name: g.policy.name },
    groups: [{ guid: g.guid, name: g.name }],
    last_seen: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    faults: [],
    isolation: { available: c.windows, status: 'not_isolated' },
    orbital: { status: 'not_enabled' },
  };
}

/** `start_date` (ISO 8601, inclusive) → epoch seconds; 400 when unparsable. */
function startTimestamp(params: Params): number | undefined {
  const v = one(params, 'start_date');
  if (v === undefined || v === '') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) {
    const message = 'start_date must be an ISO 8601 date';
    throw new AmpError('API_BAD_REQUEST', message, { details: { status: 400, messages: [message] } });
  }
  return Math.ceil(ms / 1000);
}

function eventTypeFilter(params: Params): number[] {
  const raw = list(params, 'event_type') ?? [];
  const bad = raw.filter((v) => !/^\d+$/.test(v));
  if (bad.length > 0) {
    const messages = bad.map((v) => `event_type ${JSON.stringify(v)} is not an integer`);
    throw new AmpError('API_BAD_REQUEST', messages.join('; '), { details: { status: 400, messages } });
  }
  return raw.map(Number);
}

export function registerOrgRoutes(app: Hono, deps: RestDeps): void {
  app.get('/v1/version', (c) => jsonResponse(c, 200, resourceBody(selfUrl(c, deps.baseUrl()), {})));

  app.get('/v1/event_types', (c) => {
    const data = EVENT_TYPES.map((t) => ({ id: t.id, name: t.name, description: `${t.name}.` }));
    const metadata = { links: { self: selfUrl(c, deps.baseUrl()) }, results: { total: data.length } };
    return jsonResponse(c, 200, JSON.stringify({ version: API_VERSION, metadata, data }));
  });

  app.get('/v1/groups', async (c) => {
    const params = await readParams(c.req.raw);
    const name = one(params, 'name')?.toLowerCase();
    const base = deps.baseUrl();
    // `name` matches the whole group name, case-insensitively (so data[0] is the group asked for)
    const groups = deps.fleet.groups.filter((g) => name === undefined || g.name.toLowerCase() === name);
    return jsonResponse(
      c,
      200,
      collectionBody(
        selfUrl(c, base),
        page(params),
        groups.map((g) => groupJson(g, base)),
      ),
    );
  });

  app.get('/v1/groups/:guid', (c) => {
    const g = deps.fleet.groups.find((x) => x.guid === c.req.param('guid').toLowerCase());
    if (g === undefined) throw notFound('Group');
    const base = deps.baseUrl();
    const data = { ...groupJson(g, base), policies: [{ guid: g.policy.guid, name: g.policy.name }] };
    return jsonResponse(c, 200, resourceBody(selfUrl(c, base), data));
  });

  app.get('/v1/computers', async (c) => {
    const params = await readParams(c.req.raw);
    const groups = list(params, 'group_guid') ?? [];
    const hostnames = (list(params, 'hostname') ?? []).map((h) => h.toLowerCase());
    const internalIp = one(params, 'internal_ip');
    const externalIp = one(params, 'external_ip');
    const base = deps.baseUrl();
    const matching = deps.fleet.computers.filter(
      (x) =>
        (groups.length === 0 || groups.includes(x.groupGuid)) &&
        (hostnames.length === 0 || hostnames.some((h) => x.hostname.toLowerCase().startsWith(h))) &&
        (internalIp === undefined || x.internalIp === internalIp) &&
        (externalIp === undefined || x.externalIp === externalIp),
    );
    const data = matching.map((x) => computerJson(x, deps.fleet.groups, base));
    return jsonResponse(c, 200, collectionBody(selfUrl(c, base), page(params), data));
  });

  app.get('/v1/computers/:guid', (c) => {
    const x = deps.fleet.computers.find((y) => y.connectorGuid === c.req.param('guid').toLowerCase());
    if (x === undefined) throw notFound('Computer');
    const base = deps.baseUrl();
    return jsonResponse(c, 200, resourceBody(selfUrl(c, base), computerJson(x, deps.fleet.groups, base)));
  });

  app.get('/v1/events', async (c) => {
    const params = await readParams(c.req.raw);
    const events = deps.eventLog.query({
      eventTypes: eventTypeFilter(params),
      groupGuids: list(params, 'group_guid') ?? [],
      connectorGuids: list(params, 'connector_guid') ?? [],
      startTimestamp: startTimestamp(params),
    });
    const body = rawCollectionBody(
      selfUrl(c, deps.baseUrl()),
      page(params),
      events.map((e) => e.json),
    );
    return jsonResponse(c, 200, body);
  });
}
