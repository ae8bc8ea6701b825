import type { PipelineStats } from '../pipeline/types.js';

/**
 * `/healthz` (docs/architecture.md, Observability): healthy when every pipeline holds a live consumer, no sink
 * refuses every request (wrong URL, credentials, settings: unhealthy at once), the
 * dead-letter breaker is closed, and no sink has been failing (retrying its batch) for
 * longer than a threshold. A sink that fails now and
 * then is normal (backpressure, retries); one stuck for minutes needs a human. The report is
 * JSON with a reason per problem, so `curl /healthz` says what is wrong.
 */

export interface HealthInput {
  /** the stream label (config name, else id) */
  readonly stream: string;
  readonly stats: PipelineStats;
}

export interface SinkHealth {
  readonly name: string;
  readonly written: number;
  /** seconds the sink has been failing, when it is */
  readonly retryingSeconds?: number;
  /** AmpError code of the last failure while retrying */
  readonly lastErrorCode?: string;
}

export interface StreamHealth {
  readonly stream: string;
  readonly state: PipelineStats['state'];
  readonly connected: boolean;
  readonly queueDepth: number | null;
  readonly inFlight: number;
  readonly sinks: readonly SinkHealth[];
}

export interface HealthReport {
  readonly status: 'ok' | 'unhealthy';
  /** one sentence per problem; empty when ok */
  readonly reasons: readonly string[];
  readonly streams: readonly StreamHealth[];
  /** replicas (docs/leases.md): this replica's name and the streams (org/id) whose lease it holds */
  readonly replica?: { readonly id: string; readonly leases: readonly string[] };
}

export interface HealthOptions {
  /** a sink retrying for longer than this makes the daemon unhealthy, in ms */
  readonly maxSinkRetryMs: number;
  /** (default=Date.now) */
  readonly now?: number;
  /** (default=false) a replica holding no lease (a standby) is healthy: no pipeline is fine */
  readonly standbyOk?: boolean;
}

export function evaluateHealth(inputs: readonly HealthInput[], options: HealthOptions): HealthReport {
  const now = options.now ?? Date.now();
  const reasons: string[] = [];
  const streams = inputs.map(({ stream, stats }): StreamHealth => {
    if (!stats.connected)
      reasons.push(`stream ${stream}: not connected to the broker (state ${stats.state})`);
    if (stats.breaker !== undefined) reasons.push(`stream ${stream}: ${stats.breaker.message}`);
    const sinks = stats.routes.map((r): SinkHealth => {
      if (r.retrying === undefined) return { name: r.name, written: r.written };
      const retryingMs = Math.max(0, now - r.retrying.since);
      if (r.retrying.kind === 'refused') {
        reasons.push(
          `stream ${stream}: sink ${r.name} refuses every request (${r.retrying.lastError.code}: ` +
            `${r.retrying.lastError.message}); events are held in the queue until it is fixed`,
        );
      } else if (r.retrying.kind === 'breaker') {
        reasons.push(`stream ${stream}: sink ${r.name}: ${r.retrying.lastError.message}`);
      } else if (retryingMs > options.maxSinkRetryMs) {
        reasons.push(
          `stream ${stream}: sink ${r.name} has been failing for ${Math.round(retryingMs / 1000)} s ` +
            `(${r.retrying.attempts} attempts, last error ${r.retrying.lastError.code})`,
        );
      }
      return {
        name: r.name,
        written: r.written,
        retryingSeconds: Math.round(retryingMs / 1000),
        lastErrorCode: r.retrying.lastError.code,
      };
    });
    return {
      stream,
      state: stats.state,
      connected: stats.connected,
      queueDepth: stats.queueDepth ?? null,
      inFlight: stats.inFlight,
      sinks,
    };
  });
  if (inputs.length === 0 && options.standbyOk !== true) reasons.push('no pipeline is running');
  return { status: reasons.length === 0 ? 'ok' : 'unhealthy', reasons, streams };
}
