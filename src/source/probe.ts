import type { Logger } from 'pino';
import { AmpError } from '../errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { QueueInfo, Session } from './session.js';
import type { SourceEvent } from './types.js';

/** (default=10_000) longest a watchdog probe may take before the connection counts as wedged, in ms. */
const PROBE_TIMEOUT_MS = 10_000;

export interface ProbeDeps {
  readonly queue: string;
  readonly prefetch: number;
  readonly peek: boolean;
  /** 0 = off */
  readonly probeIntervalMs: number;
  /** 0 = off */
  readonly watchdogMs: number;
  readonly logger: Logger;
  readonly metrics: { readonly metrics: Metrics; readonly label: string } | undefined;
  /** The live session, or undefined when not consuming. */
  readonly session: () => Session | undefined;
  /** Deliveries received and not yet acked in the current session. */
  readonly unacked: () => number;
  readonly emit: (e: SourceEvent) => void;
  readonly fatal: (e: AmpError) => void;
  /** Drop the session and reconnect (the watchdog's remedy). */
  readonly restart: (e: AmpError) => void;
}

/**
 * The source's eyes on the queue while consuming:
 *
 * - a periodic passive declare (on its own short-lived channel) reporting queue depth and
 *   consumer count; more than one consumer is a warning, because Cisco splits the events
 *   of a stream between its consumers (docs/secure-endpoint-api.md §2.7, §5 pitfall 6); NOT_FOUND
 * here means the
 *   stream was deleted while we consumed: fatal.
 * - the watchdog: connected, with room under the prefetch window, the queue not empty, and
 *   still nothing delivered for `watchdogMs` → the consumer is wedged: reconnect. A full
 *   window (a failing sink holding deliveries, or peek mode) is backpressure, not a stall.
 */
export class SourceProbe {
  /** Incremented by the source for every delivery (an int, so the hot path stays cheap). */
  delivered = 0;
  messageCount: number | undefined;
  consumerCount: number | undefined;
  readonly #d: ProbeDeps;
  #probeTimer: NodeJS.Timeout | undefined;
  #watchdogTimer: NodeJS.Timeout | undefined;
  #seen = 0;
  #stopped = false;

  constructor(deps: ProbeDeps) {
    this.#d = deps;
  }

  connected(declared: QueueInfo, reconnect: boolean): void {
    if (this.#stopped) return;
    this.#record(declared, false);
    const m = this.#d.metrics;
    if (m !== undefined) {
      m.metrics.connected.labels(m.label).set(1);
      if (reconnect) m.metrics.reconnects.labels(m.label).inc();
    }
    this.#seen = this.delivered;
    if (this.#d.probeIntervalMs > 0)
      this.#probeTimer = setInterval(() => void this.probeNow(), this.#d.probeIntervalMs).unref();
    if (this.#d.watchdogMs > 0)
      this.#watchdogTimer = setInterval(() => void this.#watch(), this.#d.watchdogMs).unref();
  }

  disconnected(): void {
    this.#clear();
    const m = this.#d.metrics;
    if (m !== undefined) m.metrics.connected.labels(m.label).set(0);
  }

  stop(): void {
    this.#stopped = true;
    this.disconnected();
  }

  /** One passive declare now; fatal on NOT_FOUND / ACCESS_REFUSED, quiet on transient errors. */
  async probeNow(): Promise<QueueInfo | undefined> {
    const session = this.#d.session();
    if (session === undefined) return undefined;
    try {
      const info = await session.probe();
      this.#record(info, true);
      this.#d.emit({ type: 'probe', ...info });
      return info;
    } catch (e) {
      const err = e as AmpError;
      if (!err.retryable) this.#d.fatal(err);
      else
        this.#d.logger.debug(
          { err: err.toJSON() },
          'queue probe failed (the connection monitor will notice a real loss)',
        );
      return undefined;
    }
  }

  async #watch(): Promise<void> {
    if (this.delivered !== this.#seen) {
      this.#seen = this.delivered;
      return;
    }
    if (this.#d.unacked() >= this.#d.prefetch) return; // window full: backpressure, not a stall
    // A connection that cannot even answer a passive declare in time is wedged as well.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) =>
        (timer = setTimeout(() => resolve('timeout'), Math.min(this.#d.watchdogMs, PROBE_TIMEOUT_MS))),
    );
    const info = await Promise.race([this.probeNow(), timeout]);
    clearTimeout(timer);
    if (this.#stopped || this.#d.session() === undefined || this.delivered !== this.#seen) return;
    if (info === undefined || (info !== 'timeout' && info.messageCount === 0)) return;
    const messageCount = info === 'timeout' ? (this.messageCount ?? 0) : info.messageCount;
    const why =
      info === 'timeout'
        ? 'the connection does not answer a queue probe'
        : 'nothing delivered while the queue is not empty';
    this.#d.emit({ type: 'watchdog', idleMs: this.#d.watchdogMs, messageCount });
    this.#d.logger.warn({ idleMs: this.#d.watchdogMs, messageCount }, `watchdog: ${why}; reconnecting`);
    this.#d.restart(new AmpError('AMQP_CONSUMER_CANCELLED', `watchdog: ${why}`, { retryable: true }));
  }

  #record(info: QueueInfo, includesUs: boolean): void {
    this.messageCount = info.messageCount;
    this.consumerCount = info.consumerCount;
    const m = this.#d.metrics;
    if (m !== undefined) {
      m.metrics.queueDepth.labels(m.label).set(info.messageCount);
      m.metrics.consumerCount.labels(m.label).set(info.consumerCount);
    }
    // The declare on connect counts the others only (we are not consuming yet); a probe counts us too.
    const others = info.consumerCount - (includesUs ? 1 : 0);
    if (others > 0) {
      this.#d.emit({ type: 'competing-consumers', consumerCount: others + 1 });
      this.#d.logger.warn(
        { consumerCount: others + 1, queue: this.#d.queue },
        'another consumer is attached to this stream: the broker splits events between consumers, so each sees only part of them',
      );
    }
  }

  #clear(): void {
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    if (this.#watchdogTimer !== undefined) clearInterval(this.#watchdogTimer);
    this.#probeTimer = undefined;
    this.#watchdogTimer = undefined;
  }
}
