/**
 * How Secure Endpoint routes stream messages (docs/secure-endpoint-api.md §2.9; docs/emulator.md),
 * as pure functions.
 *
 * Every event is published to the topic exchange `events_api_stream` with
 *   routing key  <org_guid>.<connector_guid>.<event_type_id>
 *   header CC    ["<routing key>.<group_guid>"]
 * RabbitMQ's sender-selected distribution routes on the CC keys as well as the routing key,
 * so a stream's filters become topic bindings: three words match the routing key (type
 * filters), four words match the CC key (group filters). The cloud binds `*.*.*`; the
 * emulator puts its own org GUID first (`<org>.*.*`) so that several emulators sharing one
 * broker never see each other's events. Empty filter lists mean "all".
 */

export const STREAM_EXCHANGE = 'events_api_stream';
/** 10 days in ms: how long the cloud keeps an event in a stream queue (docs/secure-endpoint-api.md §2.7) */
export const STREAM_MESSAGE_TTL_MS = 864_000_000;

export function queueNameFor(streamId: number): string {
  return `event_stream_${streamId}`;
}

export function routingKey(orgGuid: string, connectorGuid: string, eventTypeId: number): string {
  return `${orgGuid}.${connectorGuid}.${eventTypeId}`;
}

export function ccKeys(key: string, groupGuids: readonly string[]): string[] {
  return groupGuids.map((g) => `${key}.${g}`);
}

/** The topic binding keys that implement a stream's event-type and group filters. */
export function bindingKeys(
  orgGuid: string,
  eventTypes: readonly number[],
  groupGuids: readonly string[],
): string[] {
  const types = eventTypes.length === 0 ? ['*'] : [...new Set(eventTypes)].map(String);
  if (groupGuids.length === 0) return types.map((t) => `${orgGuid}.*.${t}`);
  const keys: string[] = [];
  for (const t of types) for (const g of new Set(groupGuids)) keys.push(`${orgGuid}.*.${t}.${g}`);
  return keys;
}

/** Bindings to add and to remove to go from `current` to `wanted`. */
export function bindingDiff(
  current: readonly string[],
  wanted: readonly string[],
): { add: string[]; remove: string[] } {
  const cur = new Set(current);
  const want = new Set(wanted);
  return { add: [...want].filter((k) => !cur.has(k)), remove: [...cur].filter((k) => !want.has(k)) };
}
