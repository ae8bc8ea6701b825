import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AmpstreamConfig, ReplicasConfig, StreamConfig } from '../config/index.js';
import type { AmpError } from '../errors.js';
// the fleet's parts one by one, not its index: the lease store (and pg behind it) loads only
// when `replicas:` is configured
import { LeaseKeeper } from '../fleet/keeper.js';
import { DEFAULT_ORG, keyString, type LeaseKey, type LossReason } from '../fleet/types.js';
import { isSecretRef, type SecretResolver } from '../secrets/refs.js';
import type { Metrics } from '../telemetry/metrics.js';

/**
 * The daemon's side of replicas (docs/leases.md): which lease each configured stream is held
 * under, and the keeper that starts a stream's pipeline when its lease is gained and stops it
 * when it is lost.
 */

/** The lease (and dedup scope) of a stream: its organisation (`default` if none) and its id. */
export function leaseKeyOf(stream: StreamConfig): LeaseKey {
  return { org: stream.org ?? DEFAULT_ORG, stream: stream.id ?? stream.label };
}

/** The replica's name: the configured id, else hostname-pid. */
export function replicaId(r: ReplicasConfig): string {
  return r.id ?? `${hostname()}-${process.pid}`;
}

/** A postgres URL setting: a reference is resolved, a plain URL (no password) used as is. */
export async function postgresUrl(value: string, resolve: SecretResolver): Promise<string> {
  return isSecretRef(value) ? resolve(value) : value;
}

/** What the daemon does for the keeper, by index into `config.streams`. */
export interface StreamControl {
  start(index: number, fence: () => AmpError | undefined): Promise<void>;
  stop(index: number, how: 'drain' | 'close'): Promise<void>;
}

export async function startReplicas(
  config: AmpstreamConfig & { readonly replicas: ReplicasConfig },
  deps: {
    readonly resolveSecret: SecretResolver;
    readonly logger: Logger;
    readonly metrics?: Metrics | undefined;
  },
  control: StreamControl,
): Promise<LeaseKeeper> {
  const r = config.replicas;
  const replica = replicaId(r);
  const keys = config.streams.map(leaseKeyOf);
  const index = new Map(keys.map((k, i) => [keyString(k), i]));
  const at = (key: LeaseKey): number => index.get(keyString(key)) ?? -1;
  const label = (key: LeaseKey): string => config.streams[at(key)]?.label ?? key.stream;
  // the lease gauge (and prom-client) only when there is a registry to put it in
  const gauge =
    deps.metrics === undefined
      ? undefined
      : new (await import('../fleet/metrics.js')).LeaseGauge(deps.metrics.registry, replica, label);
  const { LeaseStore } = await import('../fleet/store.js');
  const store = new LeaseStore({
    url: await postgresUrl(r.url, deps.resolveSecret),
    schema: r.schema,
    queryTimeoutMs: Math.max(500, r.renewSeconds * 1000),
  });
  const keeper: LeaseKeeper = new LeaseKeeper({
    replica,
    keys,
    store,
    leaseMs: r.leaseSeconds * 1000,
    renewMs: r.renewSeconds * 1000,
    logger: deps.logger,
    hooks: {
      gained: (lease) => control.start(at(lease.key), () => keeper.fence(lease.key)),
      lost: (key, reason: LossReason) => control.stop(at(key), reason === 'expired' ? 'close' : 'drain'),
      changed: (held) => gauge?.set(held),
    },
  });
  try {
    await keeper.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  return keeper;
}
