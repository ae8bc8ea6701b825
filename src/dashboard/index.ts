import type { Hono } from 'hono';
import type { AmpstreamConfig } from '../config/types.js';
import type { PipelineStats } from '../pipeline/types.js';
import type { SecretResolver } from '../secrets/refs.js';
import type { SinkRecord } from '../sinks/types.js';
import type { HealthReport } from '../daemon/health.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecentEvents } from './recent.js';
import { mountDashboard } from './routes.js';

export { mountDashboard, type DashboardSource } from './routes.js';
export { RecentEvents } from './recent.js';
export { observeWrites } from '../daemon/observe.js';

/**
 * The daemon's side of the dashboard, when `metrics.dashboard.enabled`: `onWritten` feeds the
 * recent events (give it to the Daemon), `mount` adds the routes to the metrics listener.
 */
export interface DaemonDashboard {
  readonly onWritten: (sink: string, batch: readonly SinkRecord[]) => void;
  mount(
    app: Hono,
    daemon: {
      stats(): readonly { readonly stream: string; readonly stats: PipelineStats }[];
      health(): HealthReport;
    },
  ): void;
}

export async function dashboardFor(
  config: AmpstreamConfig,
  deps: { readonly metrics: Metrics; readonly resolveSecret: SecretResolver; readonly now?: () => number },
): Promise<DaemonDashboard | undefined> {
  const d = config.metrics.dashboard;
  if (!d.enabled || config.metrics.listen === false) return undefined;
  const token = d.token === undefined ? undefined : await deps.resolveSecret(d.token);
  const recent = new RecentEvents({ payloads: d.payloads });
  const now = deps.now ?? Date.now;
  return {
    onWritten: (sink, batch) => recent.written(sink, batch, now()),
    mount: (app, daemon) =>
      mountDashboard(app, {
        source: {
          stats: () => daemon.stats(),
          health: () => daemon.health(),
          lag: () => lagOf(deps.metrics),
          recent,
          deadLetterPath: config.deadLetter.path,
        },
        ...(token === undefined ? {} : { token }),
        payloads: d.payloads,
        now,
      }),
  };
}

export async function lagOf(metrics: Metrics): Promise<ReadonlyMap<string, number>> {
  const g = await metrics.consumerLagSeconds.get();
  return new Map(g.values.map((v) => [String(v.labels.stream), v.value]));
}
