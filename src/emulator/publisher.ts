import type { Logger } from 'pino';
import type { SecureEndpointEvent } from '../event/types.js';
import type { OutgoingMessage, StreamBroker } from './broker/stream-broker.js';
import { ccKeys, routingKey } from './broker/routing.js';
import type { EventLog } from './event-log.js';
import type { EventGenerator, GeneratedEvent } from './generator/generator.js';
import { TYPE } from './generator/generator.js';
import type { PublishOptions } from './types.js';

/**
 * Generated events → the broker (and the `/v1/events` log). `publish` resolves once the
 * broker has confirmed every message. `startRate` publishes continuously at a given rate
 * (events per second) on a 100 ms tick, catching up if a tick ran late and never running
 * two publishes at once.
 */

export interface PublisherDeps {
  readonly generator: EventGenerator;
  readonly broker: StreamBroker;
  readonly eventLog: EventLog;
  readonly orgGuid: string;
  readonly logger: Logger;
  readonly clock?: () => number;
}

/** Rate ticker period */
const TICK_MS = 100;
/** Largest batch one tick publishes, so a stalled broker does not build a huge backlog */
const MAX_PER_TICK = 20_000;

export class Publisher {
  readonly #d: PublisherDeps;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: PublisherDeps) {
    this.#d = deps;
  }

  *#messages(
    count: number,
    options: PublishOptions | undefined,
    keep?: SecureEndpointEvent[],
  ): Generator<OutgoingMessage> {
    for (let i = 0; i < count; i++) {
      const g: GeneratedEvent = this.#d.generator.next(options);
      keep?.push(g.event);
      this.#d.eventLog.add({
        json: g.json,
        eventTypeId: g.eventTypeId,
        connectorGuid: g.connectorGuid,
        groupGuids: [g.groupGuid],
        timestamp: g.timestamp,
      });
      const key = routingKey(this.#d.orgGuid, g.connectorGuid, g.eventTypeId);
      yield { routingKey: key, cc: ccKeys(key, [g.groupGuid]), body: Buffer.from(g.json, 'utf8') };
    }
  }

  async publish(count: number, options?: PublishOptions): Promise<SecureEndpointEvent[]> {
    const events: SecureEndpointEvent[] = [];
    await this.#d.broker.publish(this.#messages(count, options, events));
    return events;
  }

  publishBulk(count: number, options?: PublishOptions): Promise<number> {
    return this.#d.broker.publish(this.#messages(count, options));
  }

  /** Arbitrary bytes, routed like an event of `route` (default: a Threat Detected of the first computer). */
  async publishRaw(body: Buffer, route: { eventTypeId?: number; groupGuid?: string } = {}): Promise<void> {
    const computers = this.#d.generator.fleet.computers;
    const computer =
      (route.groupGuid === undefined ? undefined : computers.find((c) => c.groupGuid === route.groupGuid)) ??
      computers[0]!;
    const group = route.groupGuid ?? computer.groupGuid;
    const key = routingKey(
      this.#d.orgGuid,
      computer.connectorGuid,
      route.eventTypeId ?? TYPE.THREAT_DETECTED,
    );
    await this.#d.broker.publish([{ routingKey: key, cc: ccKeys(key, [group]), body }]);
  }

  startRate(perSecond: number): void {
    if (perSecond <= 0 || this.#timer !== undefined) return;
    const clock = this.#d.clock ?? Date.now;
    const started = clock();
    let published = 0;
    let busy = false;
    this.#timer = setInterval(() => {
      if (busy) return;
      const due = Math.min(MAX_PER_TICK, Math.floor(((clock() - started) / 1000) * perSecond) - published);
      if (due <= 0) return;
      busy = true;
      published += due;
      this.publishBulk(due).then(
        () => {
          busy = false;
        },
        (e: unknown) => {
          busy = false;
          this.#d.logger.warn({ err: (e as Error).message }, 'emulator: continuous publish failed');
        },
      );
    }, TICK_MS);
    this.#timer.unref();
  }

  stopRate(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
