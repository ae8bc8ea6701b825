import type { AmqpCredentials } from './amqp-credentials.js';
import type { SecureEndpointEvent } from '../event/types.js';

/**
 * Shapes of the Secure Endpoint REST v1 API (docs/secure-endpoint-api.md §1.3, §2-3). Only what a stream
 * client relies on is typed; everything else the cloud sends is kept (index signatures), never
 * dropped.
 */

/** §1.3: `{version, metadata:{links:{self,next,prev}, results:{…}}, data}` */
export interface ApiEnvelope<T> {
  readonly version: string;
  readonly metadata: {
    readonly links?: { readonly self?: string; readonly next?: string; readonly prev?: string };
    readonly results?: {
      readonly total?: number;
      readonly current_item_count?: number;
      readonly index?: number;
      readonly items_per_page?: number;
    };
  };
  readonly data: T;
}

/** §3.2: one `/v1/event_types` item. */
export interface ApiEventType {
  readonly id: number;
  readonly name: string;
  readonly description?: string;
}

/** §3.3: one `/v1/groups` item. */
export interface ApiGroup {
  readonly guid: string;
  readonly name: string;
  readonly description?: string | null;
  readonly source?: string | null;
  readonly links?: { readonly group?: string };
  readonly [extra: string]: unknown;
}

/** §3.4: one `/v1/computers` item (the fields a stream tool shows; the rest is kept). */
export interface ApiComputer {
  readonly connector_guid: string;
  readonly hostname?: string;
  readonly active?: boolean;
  readonly group_guid?: string;
  readonly operating_system?: string;
  readonly connector_version?: string;
  readonly internal_ips?: readonly string[];
  readonly external_ip?: string;
  readonly last_seen?: string;
  readonly [extra: string]: unknown;
}

/**
 * §2.4: an event stream as GET returns it. Requests use singular `event_type`/`group_guid`,
 * responses plural `event_types`/`group_guids`; either may be missing (= all).
 */
export interface EventStream {
  readonly id: number;
  readonly name: string;
  readonly event_types?: readonly number[];
  readonly group_guids?: readonly string[];
  readonly amqp_credentials: AmqpCredentials;
  readonly [extra: string]: unknown;
}

/** §2.3: the 201 of POST /v1/event_streams: the only response that carries the password. */
export interface CreatedEventStream extends EventStream {
  readonly amqp_credentials: AmqpCredentials & { readonly password: string };
}

export interface CreateEventStreamInput {
  readonly name: string;
  /** event type ids; omitted or empty = all types */
  readonly eventTypes?: readonly number[];
  /** group GUIDs; omitted or empty = all groups */
  readonly groupGuids?: readonly string[];
}

export interface UpdateEventStreamInput {
  readonly name?: string;
  /** empty array = all types */
  readonly eventTypes?: readonly number[];
  /** empty array = all groups */
  readonly groupGuids?: readonly string[];
}

/**
 * The outcome of a create. `recovered`: the POST failed ambiguously (timeout, dropped
 * connection, 5xx) but a stream with this name exists now, so it was most likely created by
 * that POST; its one-time password is lost (delete and recreate it to get credentials).
 */
export type CreateEventStreamResult =
  | { readonly status: 'created'; readonly stream: CreatedEventStream }
  | { readonly status: 'recovered'; readonly stream: EventStream; readonly cause: unknown };

/** A paged list that can be narrowed to computer groups (`/v1/computers`, `/v1/events`). */
interface GroupPagedQuery {
  readonly groupGuids?: readonly string[];
  /** page size (the API's `limit`; at most 500, the default) */
  readonly limit?: number;
}

export interface ComputersQuery extends GroupPagedQuery {
  readonly hostnames?: readonly string[];
  readonly internalIp?: string;
  readonly externalIp?: string;
}

export interface EventsQuery extends GroupPagedQuery {
  /** inclusive */
  readonly startDate?: Date | string;
  readonly eventTypes?: readonly number[];
  readonly connectorGuids?: readonly string[];
  readonly detectionSha256?: string;
  readonly applicationSha256?: string;
}

/** One page of `/v1/events` (`SecureEndpointClient.eventsPage`). */
export interface EventsPage {
  readonly events: SecureEndpointEvent[];
  /** the offset asked for */
  readonly offset: number;
  /** `metadata.results.total`, when sent */
  readonly total: number | undefined;
  /** the server linked a next page (`metadata.links.next`) */
  readonly hasNext: boolean;
}
