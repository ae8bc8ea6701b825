/**
 * The events the emulator has published, so `/v1/events` serves exactly what went to the
 * streams. Bounded: only the newest `capacity` are kept (a ring buffer), like a search index
 * with retention. Each record keeps the wire JSON (ids as bare integers) plus the fields the
 * `/v1/events` filters look at.
 */

export interface LoggedEvent {
  readonly json: string;
  readonly eventTypeId: number;
  readonly connectorGuid: string;
  readonly groupGuids: readonly string[];
  /** epoch seconds */
  readonly timestamp: number;
}

/** `/v1/events` filters (docs/secure-endpoint-api.md §3.5): AND across kinds, OR within one. */
export interface EventQuery {
  readonly eventTypes: readonly number[];
  readonly groupGuids: readonly string[];
  readonly connectorGuids: readonly string[];
  /** epoch seconds, inclusive */
  readonly startTimestamp?: number | undefined;
}

/** (default) events kept for `/v1/events` */
export const EVENT_LOG_CAPACITY = 10_000;

export class EventLog {
  readonly #ring: (LoggedEvent | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number = EVENT_LOG_CAPACITY) {
    this.#ring = new Array<LoggedEvent | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  add(e: LoggedEvent): void {
    this.#ring[this.#next] = e;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Matching events, newest first. */
  query(q: EventQuery): LoggedEvent[] {
    const out: LoggedEvent[] = [];
    const types = new Set(q.eventTypes);
    const groups = new Set(q.groupGuids);
    const connectors = new Set(q.connectorGuids);
    for (let i = 1; i <= this.#size; i++) {
      const e = this.#ring[(this.#next - i + this.capacity) % this.capacity]!;
      if (types.size > 0 && !types.has(e.eventTypeId)) continue;
      if (connectors.size > 0 && !connectors.has(e.connectorGuid)) continue;
      if (groups.size > 0 && !e.groupGuids.some((g) => groups.has(g))) continue;
      if (q.startTimestamp !== undefined && e.timestamp < q.startTimestamp) continue;
      out.push(e);
    }
    return out;
  }
}
