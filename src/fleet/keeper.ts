import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { AmpError, toAmpError } from '../errors.js';
import { planLeases } from './plan.js';
import type { LeaseStore } from './store.js';
import {
  fenceAfterMs,
  keyString,
  type HeldLease,
  type LeaseKey,
  type LeaseTimings,
  type LossReason,
} from './types.js';

/** What the keeper drives: the daemon starts a stream's consumer on gain and stops it on loss. */
export interface LeaseHooks {
  /** The lease is ours: start consuming. Resolves once started (a rejection gives the lease back). */
  gained(lease: HeldLease): Promise<void>;
  /**
   * Stop consuming. `expired`: at once (close: the broker requeues what is unacked); `rebalance`
   * and `shutdown`: gracefully (drain). The lease is released when this resolves.
   */
  lost(key: LeaseKey, reason: LossReason): Promise<void>;
  /** Told after every change of what this replica holds (metrics, logs). */
  changed?(held: readonly HeldLease[]): void;
}

export interface LeaseKeeperOptions extends LeaseTimings {
  readonly replica: string;
  readonly keys: readonly LeaseKey[];
  readonly store: LeaseStore;
  readonly hooks: LeaseHooks;
  readonly logger: Logger;
  /** (default=performance.now) a monotonic clock in ms: the fence must not move with the wall clock */
  readonly clock?: () => number;
}

interface Holding {
  readonly lease: HeldLease;
  /** monotonic time the last successful renewal (or the acquisition) was sent */
  renewedAt: number;
  releasing: boolean;
}

/**
 * Holds this replica's share of the configured streams (docs/leases.md). Every `renewMs`:
 * heartbeat (how many replicas are live), renew the held leases in one statement, release the
 * extras when more replicas are live than before (drain first, then release), and take free or
 * expired leases up to ceil(streams / live replicas). Separately, a fence timer stops the
 * consumer of any lease whose last successful renewal was sent more than leaseMs − renewMs − 1 s
 * ago, so a replica cut off from the store stops consuming before another may take over.
 *
 * Lifecycle: `start()` (tables, first tick) → ticking → `stop()` (drain every held stream,
 * release, leave) or `close()` (stop every consumer at once, release what can be).
 */
export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #held = new Map<string, Holding>();
  #timer: NodeJS.Timeout | undefined;
  #fenceTimer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  /** stop() runs: renew what is held, take nothing, heartbeat no more */
  #leaving = false;
  #failures = 0;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
    this.#clock = options.clock ?? (() => performance.now());
    this.#log = options.logger.child({ component: 'leases', replica: options.replica });
  }

  get replica(): string {
    return this.#o.replica;
  }

  /** The leases held now (consumers started or starting). */
  held(): HeldLease[] {
    return [...this.#held.values()].filter((h) => !h.releasing).map((h) => h.lease);
  }

  /**
   * For the pipeline, before each batch it writes: undefined while this lease is ours and renewed
   * recently enough; the LEASE_LOST error once it is not (a process that was paused — SIGSTOP,
   * a VM freeze — finds out here before it writes anything more).
   */
  fence(key: LeaseKey): AmpError | undefined {
    const h = this.#held.get(keyString(key));
    if (h !== undefined && this.#clock() - h.renewedAt <= fenceAfterMs(this.#o)) return undefined;
    return new AmpError('LEASE_LOST', `stream ${keyString(key)}: this replica no longer holds its lease`, {
      details: { stream: key.stream, org: key.org },
      hint: 'another replica takes the stream over; the unacked deliveries go back to the queue',
    });
  }

  async start(): Promise<void> {
    await this.#o.store.migrate();
    this.#log.info(
      { streams: this.#o.keys.map(keyString), leaseMs: this.#o.leaseMs, renewMs: this.#o.renewMs },
      'replica joining the fleet',
    );
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#o.renewMs);
    this.#fenceTimer = setInterval(() => this.#checkFence(), Math.max(100, Math.floor(this.#o.renewMs / 4)));
  }

  /**
   * Graceful: leave the fleet (the others stop counting this replica), take nothing more, drain
   * every held stream and release its lease. The renewals and the fence go on while the drains
   * run (a drain may wait up to shutdown.drainTimeoutSeconds on a failing sink), so no other
   * replica takes a stream this one is still writing.
   */
  async stop(): Promise<void> {
    this.#leaving = true;
    await this.#ticking;
    await this.#o.store.leave(this.#o.replica).catch(() => undefined);
    await Promise.allSettled([...this.#held.values()].map((h) => this.#giveUp(h, 'shutdown')));
    await this.#halt();
    await this.#o.store.close();
  }

  /** Immediate: stop every consumer now, release what the store lets us release, leave. */
  async close(): Promise<void> {
    await this.#halt();
    await Promise.allSettled(
      [...this.#held.values()].map(async (h) => {
        this.#held.delete(keyString(h.lease.key));
        await this.#o.hooks.lost(h.lease.key, 'expired').catch(() => undefined);
        await this.#o.store.release(this.#o.replica, h.lease).catch(() => undefined);
      }),
    );
    this.#changed();
    await this.#o.store.leave(this.#o.replica).catch(() => undefined);
    await this.#o.store.close();
  }

  async #halt(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearInterval(this.#fenceTimer);
    await this.#ticking;
  }

  #tick(): Promise<void> {
    if (this.#ticking !== undefined || this.#stopped) return this.#ticking ?? Promise.resolve();
    this.#ticking = this.#step()
      .then(() => {
        if (this.#failures > 0) this.#log.info({ after: this.#failures }, 'lease store reachable again');
        this.#failures = 0;
      })
      .catch((e: unknown) => {
        this.#failures++;
        if (this.#failures === 1 || this.#failures % 30 === 0)
          this.#log.warn({ err: toAmpError(e).message, failures: this.#failures }, 'lease tick failed');
      })
      .finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #step(): Promise<void> {
    const { store, replica, leaseMs } = this.#o;
    if (this.#leaving) return this.#renew();
    await this.#renew(); // first: the rest of a tick may wait on a slow database
    const live = await store.heartbeat(replica, leaseMs);
    if (this.#stopped || this.#leaving) return;
    const mine = [...this.#held.values()].filter((h) => !h.releasing);
    const taken = new Set(this.#held.keys());
    const rows = await store.rows(this.#o.keys);
    const busy = new Set(rows.filter((r) => r.live).map((r) => keyString(r.key)));
    const free = this.#o.keys.filter((k) => !taken.has(keyString(k)) && !busy.has(keyString(k)));
    const plan = planLeases(
      replica,
      this.#o.keys,
      mine.map((h) => h.lease.key),
      free,
      live,
    );
    for (const key of plan.release) {
      const h = this.#held.get(keyString(key));
      if (h !== undefined) void this.#giveUp(h, 'rebalance');
    }
    let want = plan.want;
    for (const key of plan.acquire) {
      if (want <= 0 || this.#stopped || this.#leaving) break;
      const sentAt = this.#clock();
      const term = await store.acquire(key, replica, leaseMs);
      if (term === undefined) continue;
      want--;
      this.#gain({ key, term }, sentAt);
    }
  }

  async #renew(): Promise<void> {
    const holdings = [...this.#held.values()];
    if (holdings.length === 0) return;
    const sentAt = this.#clock();
    const kept = await this.#o.store.renew(
      this.#o.replica,
      holdings.map((h) => h.lease),
      this.#o.leaseMs,
    );
    const still = new Set(kept.map((l) => keyString(l.key)));
    for (const h of holdings) {
      const k = keyString(h.lease.key);
      if (this.#held.get(k) !== h) continue;
      if (still.has(k)) h.renewedAt = sentAt;
      else this.#expire(h, 'the lease store says another replica holds it now, or it expired');
    }
  }

  #gain(lease: HeldLease, sentAt: number): void {
    const h: Holding = { lease, renewedAt: sentAt, releasing: false };
    this.#held.set(keyString(lease.key), h);
    this.#log.info(
      { stream: lease.key.stream, org: lease.key.org, term: lease.term },
      'lease gained: consuming the stream',
    );
    this.#changed();
    void this.#o.hooks.gained(lease).catch((e: unknown) => {
      this.#log.error(
        { stream: lease.key.stream, org: lease.key.org, err: toAmpError(e).message },
        'could not start the stream: giving its lease back',
      );
      this.#held.delete(keyString(lease.key));
      this.#changed();
      return this.#o.store.release(this.#o.replica, lease).catch(() => undefined);
    });
  }

  /** Drain the stream, then release its lease (renewals go on meanwhile). */
  async #giveUp(h: Holding, reason: 'rebalance' | 'shutdown'): Promise<void> {
    if (h.releasing) return;
    h.releasing = true;
    const { key } = h.lease;
    this.#log.info(
      { stream: key.stream, org: key.org, term: h.lease.term, reason },
      'lease given up: draining the stream',
    );
    this.#changed();
    await this.#o.hooks.lost(key, reason).catch(() => undefined);
    if (this.#held.get(keyString(key)) === h) this.#held.delete(keyString(key));
    await this.#o.store.release(this.#o.replica, h.lease).catch(() => undefined);
    this.#log.info({ stream: key.stream, org: key.org, term: h.lease.term }, 'lease released');
  }

  #checkFence(): void {
    const limit = fenceAfterMs(this.#o);
    for (const h of this.#held.values()) {
      const age = this.#clock() - h.renewedAt;
      if (age > limit) this.#expire(h, `not renewed for ${Math.round(age)} ms (limit ${limit} ms)`);
    }
  }

  /** Stop consuming at once: the lease is, or is about to be, someone else's. */
  #expire(h: Holding, why: string): void {
    const { key } = h.lease;
    this.#held.delete(keyString(key));
    this.#log.warn(
      { stream: key.stream, org: key.org, term: h.lease.term, why },
      'lease lost: stopping the consumer now',
    );
    this.#changed();
    void this.#o.hooks.lost(key, 'expired').catch(() => undefined);
  }

  #changed(): void {
    this.#o.hooks.changed?.(this.held());
  }
}
