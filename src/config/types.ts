import type { FormatName } from '../formats/types.js';
import type { LogLevel } from './defaults.js';
import type { FilterConfig } from './filter.js';

/**
 * The validated, normalised configuration the daemon runs from: defaults applied, relative
 * paths made absolute (relative to the config file's directory), secret settings still
 * references (resolved only when connecting).
 */
export interface AmpstreamConfig {
  /** the organisations declared in the file (`default` is implicit: flags, env or `api/default`) */
  readonly organisations: readonly OrganisationConfig[];
  readonly streams: readonly StreamConfig[];
  readonly sinks: readonly SinkConfig[];
  readonly batch: { readonly maxEvents: number; readonly maxWaitMs: number };
  readonly dedup: {
    readonly enabled: boolean;
    readonly store: 'sqlite' | 'postgres';
    /** sqlite: the file */
    readonly path: string;
    /** postgres: a URL without a password, or a secret reference holding the whole URL */
    readonly url?: string;
    readonly schema: string;
    readonly window: { readonly events: number; readonly hours: number };
  };
  /** N replicas share the streams under leases in PostgreSQL; undefined: this process consumes every stream */
  readonly replicas?: ReplicasConfig;
  readonly deadLetter: {
    readonly path: string;
    readonly breaker: { readonly maxShare: number; readonly windowEvents: number };
  };
  /** false: no listener */
  readonly metrics: {
    readonly listen: { readonly host: string; readonly port: number } | false;
    /** the live dashboard at / on the metrics listener (off by default) */
    readonly dashboard: {
      readonly enabled: boolean;
      /** a secret reference holding the bearer token */
      readonly token?: string;
      /** show the raw JSON of recent events, not only their summary line */
      readonly payloads: boolean;
    };
  };
  readonly health: { readonly maxSinkRetrySeconds: number };
  readonly log: { readonly level: LogLevel };
  readonly shutdown: { readonly drainTimeoutSeconds: number };
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  /** docs/backfill.md */
  readonly backfill: { readonly onStart: boolean; /** seconds */ readonly maxGap: number };
}

export interface ReplicasConfig {
  readonly store: 'postgres';
  /** a URL without a password, or a secret reference holding the whole URL */
  readonly url: string;
  readonly schema: string;
  /** undefined: hostname-pid */
  readonly id?: string;
  readonly leaseSeconds: number;
  readonly renewSeconds: number;
}

/** One Secure Endpoint organisation (docs/fleet.md). */
export interface OrganisationConfig {
  readonly name: string;
  readonly region?: 'nam' | 'eu' | 'apjc';
  readonly apiUrl?: string;
  /** with apiKey; both undefined: the vault entry `api/<name>` */
  readonly clientId?: string;
  /** a secret reference (env:, file:, vault:) */
  readonly apiKey?: string;
  readonly proxy?: string;
  /** absolute path of a PEM file */
  readonly ca?: string;
}

export interface StreamConfig {
  /**
   * a label for logs and metrics: the name, else the id, else the queue; prefixed `<org>:`
   * for a stream of an organisation other than `default`
   */
  readonly label: string;
  /** (default=`default`) the organisation */
  readonly org?: string;
  /** the config declares organisations: records, logs and metrics carry the org label */
  readonly orgLabelled?: boolean;
  /** a declared stream (a name, no id, no amqp): `ampstream apply` creates and updates it */
  readonly declared?: boolean;
  /** declared stream: event type ids or names (empty = all) */
  readonly eventTypes?: readonly string[];
  /** declared stream: group names or GUIDs (empty = all) */
  readonly groups?: readonly string[];
  readonly id?: string;
  readonly name?: string;
  readonly amqp?: AmqpConfig;
  /** absolute path of a PEM file */
  readonly ca?: string;
  readonly insecure: boolean;
  /** an HTTP proxy URL (no password) or a secret reference holding one */
  readonly proxy?: string;
  readonly prefetch: number;
  readonly heartbeatSeconds: number;
}

export interface AmqpConfig {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly proto?: 'amqps' | 'amqp' | 'https';
  readonly user?: string;
  /** a secret reference (env:, file:, vault:) */
  readonly password?: string;
  readonly queue?: string;
}

export interface SinkConfig {
  readonly name: string;
  readonly type: string;
  readonly format: FormatName;
  readonly filter?: FilterConfig;
  /** ids or names of the streams routed to this sink; undefined = all */
  readonly streams?: readonly string[];
  /** the sink's own options as its factory's schema output (includes `type`) */
  readonly options: Readonly<Record<string, unknown>> & { readonly type: string };
}

/** One problem found in a config, with where it is (defined with the errors that carry it). */
export type { ConfigIssue } from '../errors.js';
