import type { Logger } from 'pino';
import type { SecureEndpointEvent } from '../event/types.js';

/**
 * The programmatic face of the local Secure Endpoint emulator (docs/emulator.md). The CLI
 * (`ampstream emulator`, `ampstream demo`) and the integration tests use only this.
 */
export interface EmulatorOptions {
  /**
   * (default=undefined: the built-in broker, in this process) a real RabbitMQ to back the
   * streams instead, e.g. 'amqp://guest:guest@127.0.0.1:5672'
   */
  readonly brokerUrl?: string | undefined;
  /**
   * (default=1_000_000) built-in broker: most messages (ready + unacknowledged) per stream
   * queue; generated events over it are not queued, an injection over it is refused (409)
   */
  readonly maxQueueLength?: number | undefined;
  /** (default='http://guest:guest@127.0.0.1:15672') RabbitMQ management API, for per-stream users */
  readonly managementUrl?: string;
  /** (default='127.0.0.1') address the REST API and the AMQPS front listen on */
  readonly host?: string;
  /** (default=0: a free port) HTTPS REST API port */
  readonly apiPort?: number;
  /** (default=0: a free port) AMQPS (TLS) front port, forwarding to the broker */
  readonly amqpsPort?: number;
  /** (default=undefined: in memory) directory for state (streams, keys) and the local CA */
  readonly dataDir?: string;
  /** (default=1) seed of the event generator (same seed, same fleet and events) */
  readonly seed?: number;
  /** (default=false) threat hunting incidents come without `id`, as Secure Endpoint sends them */
  readonly incidentsWithoutId?: boolean;
  /** (default=0: off) events per second the generator publishes continuously */
  readonly rate?: number;
  /** (default=3000) REST requests per hour allowed per API key before 429 */
  readonly rateLimitPerHour?: number;
  /** (default=3_600_000) length of the rate-limit window, in ms; shorter only for tests */
  readonly rateLimitWindowMs?: number;
  /**
   * (default=1) how many organisations the emulator serves, or their names: each has its own
   * client id and API keys, org GUID, fleet (groups, computers: seeded with seed + index),
   * streams and 5-stream limit; stream ids are unique across them. A request is served as the
   * organisation whose client id it presents. Names default to `default` for one
   * organisation, `org1`…`orgN` for several. The first is also the emulator's own
   * credentials, fleet and `publish` (RunningEmulator's top-level fields).
   */
  readonly organisations?: number | readonly string[] | undefined;
  readonly logger?: Logger;
}

export interface EmulatorCredentials {
  readonly clientId: string;
  /** read & write scope */
  readonly apiKey: string;
  /** read-only scope: 403 on POST/PATCH/DELETE */
  readonly readOnlyApiKey: string;
}

export interface PublishOptions {
  /** only these event type ids (default: the realistic mix) */
  readonly eventTypeIds?: readonly number[];
  /**
   * only events of computers in these groups (default: the whole fleet). Lets a test aim
   * events at a stream's group filter (e.g. the seed script test).
   */
  readonly groupGuids?: readonly string[];
  /** only events of these computers (connector GUIDs) */
  readonly connectorGuids?: readonly string[];
}

/**
 * The emulated organisation's fleet, so tests can pick a group or computer without a REST
 * round trip (the same data `/v1/groups` and `/v1/computers` serve).
 */
export interface EmulatorFleet {
  readonly groups: readonly { readonly guid: string; readonly name: string }[];
  readonly computers: readonly {
    readonly connectorGuid: string;
    readonly hostname: string;
    readonly groupGuid: string;
  }[];
}

/** One organisation of the emulator: its credentials, fleet and event generator. */
export interface EmulatorOrganisation extends EmulatorCredentials {
  readonly name: string;
  readonly orgGuid: string;
  readonly fleet: EmulatorFleet;
  /** Generate and publish `count` events of this organisation (its fleet, its routing keys). */
  publish(count: number, options?: PublishOptions): Promise<SecureEndpointEvent[]>;
  publishBulk(count: number, options?: PublishOptions): Promise<number>;
}

export interface RunningEmulator extends EmulatorCredentials {
  /** every organisation served, the first being the one the top-level fields describe */
  readonly organisations: readonly EmulatorOrganisation[];
  /** e.g. https://127.0.0.1:43121 (no trailing slash; REST paths start with /v1/) */
  readonly apiUrl: string;
  /** the host name the certificate is valid for, also what `amqp_credentials.host` says */
  readonly amqpHost: string;
  readonly amqpPort: number;
  /** PEM file of the emulator's local CA: trust it with `--ca` / `REQUESTS_CA_BUNDLE` */
  readonly caPath: string;
  readonly caPem: string;
  /** Organisation GUID used as the first routing-key segment. */
  readonly orgGuid: string;
  /** Generate and publish `count` events now (publisher confirms); returns what was published. */
  publish(count: number, options?: PublishOptions): Promise<SecureEndpointEvent[]>;
  /**
   * Like `publish` but returns only the count, without keeping the event objects (for filling a
   * queue with 10^5-10^6 events in benchmarks; memory stays flat).
   */
  publishBulk(count: number, options?: PublishOptions): Promise<number>;
  /** Groups and computers of the emulated organisation. */
  readonly fleet: EmulatorFleet;
  /** Publish arbitrary bytes through the stream exchange (poison-message tests). */
  publishRaw(body: Buffer, route?: { eventTypeId?: number; groupGuid?: string }): Promise<void>;
  /** Which broker backs the streams. */
  readonly broker: 'builtin' | 'rabbitmq';
  /** Destroy every client connection through the AMQPS front (fault injection). */
  dropConnections(): void;
  /**
   * Fault injection: connection.close 320 CONNECTION_FORCED to every connection of the
   * stream's user (RabbitMQ: through the management API); resolves with how many.
   */
  closeStreamConnections(streamId: number): Promise<number>;
  /** Fault injection: delete the stream's queue under its consumers (they get basic.cancel). */
  deleteStreamQueue(streamId: number): Promise<void>;
  /** Messages ready in the stream's queue (undefined: the queue is gone). */
  queueDepth(streamId: number): Promise<number | undefined>;
  /** What the injection endpoint does: each body one message in the stream's queue, unchanged. */
  inject(streamId: number, bodies: readonly Buffer[]): Promise<number>;
  close(): Promise<void>;
}
