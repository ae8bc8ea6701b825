import { AmpError, isAmpError } from '../errors.js';
import type { SecureEndpointEvent } from '../event/types.js';
import {
  decodeComputer,
  decodeComputers,
  decodeCreatedStream,
  decodeEventTypes,
  decodeEvents,
  decodeGroups,
  decodeStream,
  decodeStreams,
} from './decode.js';
import { paginate } from './pagination.js';
import type { RateLimitInfo } from './rate-limit.js';
import { REGION_API_URLS, normaliseBaseUrl, parseRegion, type Region } from './regions.js';
import { ApiTransport, type TransportOptions } from './transport.js';
import type {
  ApiComputer,
  ApiEventType,
  ApiGroup,
  ComputersQuery,
  CreateEventStreamInput,
  CreateEventStreamResult,
  EventStream,
  EventsPage,
  EventsQuery,
  UpdateEventStreamInput,
} from './types.js';

/**
 * The Secure Endpoint REST v1 client (docs/secure-endpoint-api.md §1-3): Basic auth, the JSON envelope,
 * errors as AmpErrors with hints, rate-limit headers, retries for idempotent calls only, and
 * collections as async iterators that follow `links.next`.
 *
 *   const client = new SecureEndpointClient({ region: 'eu', clientId, apiKey });
 *   for await (const g of client.groups()) console.log(g.name);
 *   const { stream } = await client.createEventStream({ name: 'SIEM' });
 */
export interface SecureEndpointClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  /** a Cisco cloud region (aliases like `na`, `us`, `EU` accepted); exclusive with baseUrl */
  readonly region?: string;
  /** private cloud or emulator API URL; exclusive with region */
  readonly baseUrl?: string;
  /**
   * (default=AMPSTREAM_ALLOW_HTTP=1 in the environment) accept an `http://` baseUrl on a
   * loopback host (a local test server); never for another host.
   */
  readonly allowHttp?: boolean;
}

/** Default page size: the API's own default and maximum (§1.6). */
export const DEFAULT_PAGE_SIZE = 500;

function arrayParam(q: URLSearchParams, key: string, values: readonly (string | number)[] | undefined): void {
  for (const v of values ?? []) q.append(`${key}[]`, String(v));
}

function eventsQueryParams(query: EventsQuery): URLSearchParams {
  const q = new URLSearchParams();
  if (query.startDate !== undefined) {
    q.set('start_date', query.startDate instanceof Date ? query.startDate.toISOString() : query.startDate);
  }
  arrayParam(q, 'event_type', query.eventTypes);
  arrayParam(q, 'group_guid', query.groupGuids);
  arrayParam(q, 'connector_guid', query.connectorGuids);
  if (query.detectionSha256 !== undefined) q.set('detection_sha256', query.detectionSha256);
  if (query.applicationSha256 !== undefined) q.set('application_sha256', query.applicationSha256);
  q.set('limit', String(query.limit ?? DEFAULT_PAGE_SIZE));
  return q;
}

function streamPath(id: number | string): string {
  const text = String(id);
  if (!/^\d+$/.test(text))
    throw new AmpError('USAGE', `"${text}" is not a stream id`, { hint: 'stream ids are integers' });
  return `/v1/event_streams/${text}`;
}

export class SecureEndpointClient {
  readonly baseUrl: string;
  readonly region: Region | undefined;
  readonly #t: ApiTransport;

  constructor(options: SecureEndpointClientOptions) {
    if (options.region !== undefined && options.baseUrl !== undefined) {
      throw new AmpError('USAGE', 'give either a region or an API URL, not both');
    }
    if (options.region === undefined && options.baseUrl === undefined) {
      throw new AmpError('USAGE', 'no region or API URL given', {
        hint: 'use --region nam|eu|apjc or --api-url URL',
      });
    }
    if (options.clientId === '' || options.apiKey === '') {
      throw new AmpError('CREDENTIALS_MISSING', 'the client id and the API key must not be empty', {
        hint: 'run `ampstream login`, or set AMPSTREAM_CLIENT_ID and AMPSTREAM_API_KEY',
      });
    }
    this.region = options.region === undefined ? undefined : parseRegion(options.region);
    this.baseUrl =
      this.region === undefined
        ? normaliseBaseUrl(
            options.baseUrl ?? '',
            options.allowHttp === undefined ? {} : { allowHttp: options.allowHttp },
          )
        : REGION_API_URLS[this.region];
    this.#t = new ApiTransport({ ...options, baseUrl: this.baseUrl });
  }

  /** The rate-limit headers of the most recent response that carried any. */
  get rateLimit(): RateLimitInfo | undefined {
    return this.#t.rateLimit;
  }

  /** The outbound proxy in use, as `http://[user@]host:port` (never the password), or undefined. */
  get proxy(): string | undefined {
    return this.#t.proxy;
  }

  /** Release the connection pool (only the one this client created). */
  async close(): Promise<void> {
    await this.#t.close();
  }

  /** §3.1: validates the credentials; returns the API version string. */
  async version(): Promise<string> {
    const res = await this.#t.call('GET', '/v1/version');
    return res.envelope.version;
  }

  /** §3.2 */
  async eventTypes(): Promise<ApiEventType[]> {
    const out: ApiEventType[] = [];
    for await (const t of paginate(this.#t, '/v1/event_types', undefined, decodeEventTypes)) out.push(t);
    return out;
  }

  /** §3.3: every group (or those matching `name`), page by page. */
  groups(query: { readonly name?: string; readonly limit?: number } = {}): AsyncIterable<ApiGroup> {
    const q = new URLSearchParams();
    if (query.name !== undefined) q.set('name', query.name);
    q.set('limit', String(query.limit ?? DEFAULT_PAGE_SIZE));
    return paginate(this.#t, '/v1/groups', q, decodeGroups);
  }

  /** §3.4 */
  computers(query: ComputersQuery = {}): AsyncIterable<ApiComputer> {
    const q = new URLSearchParams();
    arrayParam(q, 'group_guid', query.groupGuids);
    arrayParam(q, 'hostname', query.hostnames);
    if (query.internalIp !== undefined) q.set('internal_ip', query.internalIp);
    if (query.externalIp !== undefined) q.set('external_ip', query.externalIp);
    q.set('limit', String(query.limit ?? DEFAULT_PAGE_SIZE));
    return paginate(this.#t, '/v1/computers', q, decodeComputers);
  }

  async computer(guid: string): Promise<ApiComputer> {
    const res = await this.#t.call('GET', `/v1/computers/${encodeURIComponent(guid)}`);
    return decodeComputer(res.envelope.data);
  }

  /** §3.5: newest first; ids are lossless decimal strings. */
  events(query: EventsQuery = {}): AsyncIterable<SecureEndpointEvent> {
    return paginate(this.#t, '/v1/events', eventsQueryParams(query), decodeEvents);
  }

  /**
   * §3.5: one page of `/v1/events` at `offset` (newest first), for callers that keep their own
   * place (backfill checkpoints): the events, the total the server reported, and whether it
   * linked a next page.
   */
  async eventsPage(query: EventsQuery, offset: number): Promise<EventsPage> {
    const q = eventsQueryParams(query);
    q.set('offset', String(offset));
    const res = await this.#t.call('GET', '/v1/events', { query: q });
    const events = decodeEvents(res.envelope.data);
    const next = res.envelope.metadata.links?.next;
    return {
      events,
      offset,
      total: res.envelope.metadata.results?.total,
      hasNext: next !== undefined && next !== '' && events.length > 0,
    };
  }

  /** §2.4: the organisation's streams (at most 5). Passwords are never included. */
  async eventStreams(): Promise<EventStream[]> {
    const out: EventStream[] = [];
    for await (const s of paginate(this.#t, '/v1/event_streams', undefined, decodeStreams)) out.push(s);
    return out;
  }

  async eventStream(id: number | string): Promise<EventStream> {
    const res = await this.#t.call('GET', streamPath(id));
    return decodeStream(res.envelope.data);
  }

  /**
   * §2.2-2.3: POST once, never blindly again. After an ambiguous failure (timeout or dropped
   * connection after sending, 5xx, an unreadable 2xx), list the streams: if one with this name
   * exists now it is returned as `recovered` (its one-time password is lost: delete and
   * recreate it); otherwise `API_AMBIGUOUS_CREATE`. Assumes names are unique (the streams/
   * layer checks that before creating; the newest stream of that name wins otherwise).
   */
  async createEventStream(input: CreateEventStreamInput): Promise<CreateEventStreamResult> {
    const body: Record<string, unknown> = { name: input.name };
    if (input.eventTypes !== undefined && input.eventTypes.length > 0)
      body['event_type'] = [...input.eventTypes];
    if (input.groupGuids !== undefined && input.groupGuids.length > 0)
      body['group_guid'] = [...input.groupGuids];
    try {
      const res = await this.#t.call('POST', '/v1/event_streams', { body });
      return { status: 'created', stream: decodeCreatedStream(res.envelope.data) };
    } catch (e) {
      if (!isAmbiguousCreateFailure(e)) throw e;
      return { status: 'recovered', stream: await this.#findCreated(input.name, e), cause: e };
    }
  }

  async #findCreated(name: string, cause: AmpError): Promise<EventStream> {
    let streams: EventStream[];
    try {
      streams = await this.eventStreams();
    } catch (e) {
      throw new AmpError(
        'API_AMBIGUOUS_CREATE',
        `creating stream "${name}" failed ambiguously (${cause.message}), and the check afterwards failed too`,
        {
          cause: e,
          details: { name, first: cause.code, check: isAmpError(e) ? e.code : 'INTERNAL' },
          hint: 'run `ampstream streams list` before trying again: a second create could use up one more of the 5 stream slots',
        },
      );
    }
    const matches = streams.filter((s) => s.name === name).sort((a, b) => b.id - a.id);
    const found = matches[0];
    if (found === undefined) {
      throw new AmpError(
        'API_AMBIGUOUS_CREATE',
        `creating stream "${name}" failed ambiguously (${cause.message}); no stream of that name exists now`,
        {
          cause,
          retryable: true,
          details: { name, first: cause.code },
          hint: 'it is now safe to run the same command again (check `ampstream streams list` if in doubt)',
        },
      );
    }
    return found;
  }

  /** §2.5: PATCH any subset; an empty list means "all". Not retried after sending. */
  async updateEventStream(id: number | string, input: UpdateEventStreamInput): Promise<EventStream> {
    const body: Record<string, unknown> = {};
    if (input.name !== undefined) body['name'] = input.name;
    if (input.eventTypes !== undefined) body['event_type'] = [...input.eventTypes];
    if (input.groupGuids !== undefined) body['group_guid'] = [...input.groupGuids];
    if (Object.keys(body).length === 0) throw new AmpError('USAGE', 'nothing to update');
    const res = await this.#t.call('PATCH', streamPath(id), { body });
    if (
      res.envelope.data === undefined ||
      (typeof res.envelope.data === 'object' && Object.keys(res.envelope.data as object).length === 0)
    ) {
      return this.eventStream(id); // a PATCH answered without the stream: read it back
    }
    return decodeStream(res.envelope.data);
  }

  /**
   * §2.6: DELETE (retried like a GET). "Not found" on a *retry* means an earlier attempt
   * succeeded and only its answer was lost: that counts as deleted. On the first attempt it
   * is API_NOT_FOUND.
   */
  async deleteEventStream(id: number | string): Promise<void> {
    try {
      await this.#t.call('DELETE', streamPath(id));
    } catch (e) {
      if (isAmpError(e, 'API_NOT_FOUND') && (e.details.attempts ?? 0) > 1) return;
      throw e;
    }
  }
}

function isAmbiguousCreateFailure(e: unknown): e is AmpError {
  if (!isAmpError(e)) return false;
  const maybeSent = e.details.maybeSent;
  if (e.code === 'API_NETWORK' || e.code === 'API_TIMEOUT' || e.code === 'API_BAD_RESPONSE')
    return maybeSent !== false;
  return e.code === 'API_SERVER_ERROR';
}
