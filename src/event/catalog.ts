import { EVENT_TYPES, type EventTypeInfo } from './catalog-data.js';

export { EVENT_TYPES, type EventTypeInfo };

const byId = new Map<number, EventTypeInfo>(EVENT_TYPES.map((t) => [t.id, t]));

export function eventTypeById(id: number): EventTypeInfo | undefined {
  return byId.get(id);
}

/**
 * The class the top byte of an event type id encodes (docs/secure-endpoint-api.md §4.3, [I]):
 * 0x21/0x22 info or success, 0x41/0x42 threat or warning, 0x81/0x82 failure.
 * Ids below 2^24 (1003, 1004, …) are account events: `info`.
 */
export type EventTypeClass = 'info' | 'threat' | 'failure';

export function eventTypeClass(id: number): EventTypeClass {
  const top = Math.floor(id / 0x1000000);
  if (top === 0x41 || top === 0x42) return 'threat';
  if (top === 0x81 || top === 0x82) return 'failure';
  return 'info';
}
