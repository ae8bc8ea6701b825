import type { HealthReport } from '../daemon/health.js';
import type { PipelineStats } from '../pipeline/types.js';
import type { DeadLetterReason } from './dead-letters.js';
import type { RecentEvent } from './recent.js';

/**
 * What the dashboard shows, built from the pipelines' stats once a second. Pure apart from
 * the memory it keeps between samples (rates over the last few seconds, each sink's last
 * error after it recovered).
 */
export interface StreamView {
  readonly name: string;
  readonly state: string;
  readonly connected: boolean;
  readonly delivered: number;
  readonly acked: number;
  /** events per second delivered, over the last few seconds */
  readonly rate: number;
  readonly queueDepth: number | null;
  /** seconds between now and the newest event written */
  readonly lagSeconds: number | null;
  readonly consumers: number | null;
  readonly inFlight: number;
  readonly reconnects: number;
}

export interface SinkView {
  readonly name: string;
  /** failing: its batch is being retried right now */
  readonly health: 'ok' | 'failing';
  readonly written: number;
  readonly rate: number;
  /** failed writes (each one retried) */
  readonly retries: number;
  readonly failingSeconds: number | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
}

export interface DashboardSnapshot {
  readonly at: number;
  readonly status: HealthReport['status'];
  readonly reasons: readonly string[];
  readonly streams: readonly StreamView[];
  readonly sinks: readonly SinkView[];
  readonly deadLetters: { readonly count: number; readonly last: readonly DeadLetterReason[] };
  readonly events: readonly RecentEvent[];
  readonly payloads: boolean;
}

export interface SnapshotInput {
  readonly now: number;
  readonly stats: readonly { readonly stream: string; readonly stats: PipelineStats }[];
  readonly health: HealthReport;
  readonly lag: ReadonlyMap<string, number>;
  readonly deadLetters: readonly DeadLetterReason[];
  readonly events: readonly RecentEvent[];
  readonly payloads: boolean;
}

/** (default=5000) the window rates are computed over, in ms */
const RATE_WINDOW_MS = 5000;

interface Sample {
  readonly at: number;
  readonly value: number;
}

export class SnapshotBuilder {
  readonly #samples = new Map<string, Sample[]>();
  readonly #lastError = new Map<string, { code: string; message: string; at: number }>();

  build(input: SnapshotInput): DashboardSnapshot {
    const { now } = input;
    const streams = input.stats.map(({ stream, stats }): StreamView => ({
      name: stream,
      state: stats.state,
      connected: stats.connected,
      delivered: stats.delivered,
      acked: stats.acked,
      rate: this.#rate(`stream:${stream}`, stats.delivered, now),
      queueDepth: stats.queueDepth ?? null,
      lagSeconds: input.lag.get(stream) ?? null,
      // the declare at connect counts the others only, a later probe counts us too: never show 0 while we consume
      consumers:
        stats.consumerCount === undefined ? null : Math.max(stats.consumerCount, stats.connected ? 1 : 0),
      inFlight: stats.inFlight,
      reconnects: stats.reconnects,
    }));
    // a sink is shared by the streams routed to it: add its routes up
    const sinks = new Map<string, { written: number; retries: number; failingSince: number | null }>();
    for (const { stats } of input.stats) {
      for (const r of stats.routes) {
        const s = sinks.get(r.name) ?? { written: 0, retries: 0, failingSince: null };
        s.written += r.written;
        s.retries += r.failures;
        if (r.retrying !== undefined) {
          s.failingSince = Math.min(s.failingSince ?? r.retrying.since, r.retrying.since);
          this.#lastError.set(r.name, {
            code: r.retrying.lastError.code,
            message: r.retrying.lastError.message,
            at: now,
          });
        }
        sinks.set(r.name, s);
      }
    }
    return {
      at: now,
      status: input.health.status,
      reasons: input.health.reasons,
      streams,
      sinks: [...sinks].map(([name, s]): SinkView => ({
        name,
        health: s.failingSince === null ? 'ok' : 'failing',
        written: s.written,
        rate: this.#rate(`sink:${name}`, s.written, now),
        retries: s.retries,
        failingSeconds:
          s.failingSince === null ? null : Math.max(0, Math.round((now - s.failingSince) / 1000)),
        lastError: this.#lastError.get(name) ?? null,
      })),
      deadLetters: {
        count: input.stats.reduce((n, s) => n + s.stats.deadLettered, 0),
        last: input.deadLetters,
      },
      events: input.events,
      payloads: input.payloads,
    };
  }

  #rate(key: string, value: number, now: number): number {
    const samples = (this.#samples.get(key) ?? []).filter((s) => now - s.at <= RATE_WINDOW_MS);
    samples.push({ at: now, value });
    this.#samples.set(key, samples);
    const first = samples[0];
    if (first === undefined || now - first.at < 500) return 0;
    return Math.max(0, ((value - first.value) * 1000) / (now - first.at));
  }
}
