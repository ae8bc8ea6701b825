import type { PipelineStats } from '../pipeline/types.js';

/**
 * Optional stop conditions of `ampstream run` for benchmarks and batch jobs ("drain the
 * backlog, then exit"): `--stop-after N` (N events acknowledged across all streams) and
 * `--exit-when-idle S` (no delivery for S seconds, once something has arrived or the queue
 * is known empty). Polled from the pipelines' stats: cheap, and off the hot path.
 */
export interface StopConditions {
  readonly stopAfter?: number;
  /** in ms */
  readonly idleMs?: number;
  readonly onStop: (reason: string) => void;
  /** (default=100) poll period, in ms */
  readonly pollMs?: number;
  readonly now?: () => number;
}

export function watchStopConditions(
  source: { stats(): { readonly stats: PipelineStats }[] },
  c: StopConditions,
): () => void {
  if (c.stopAfter === undefined && c.idleMs === undefined) return () => undefined;
  const now = c.now ?? Date.now;
  let lastDelivered = -1;
  let lastChange = now();
  let fired = false;
  const timer = setInterval(() => {
    if (fired) return;
    const all = source.stats().map((s) => s.stats);
    const acked = all.reduce((n, s) => n + s.acked, 0);
    const delivered = all.reduce((n, s) => n + s.delivered, 0);
    if (delivered !== lastDelivered) {
      lastDelivered = delivered;
      lastChange = now();
    }
    const settled = all.every((s) => s.inFlight === 0);
    let reason: string | undefined;
    if (c.stopAfter !== undefined && acked >= c.stopAfter)
      reason = `${acked} events acknowledged (--stop-after ${c.stopAfter})`;
    else if (
      c.idleMs !== undefined &&
      settled &&
      now() - lastChange >= c.idleMs &&
      (delivered > 0 || all.every((s) => s.queueDepth === 0))
    ) {
      reason = `nothing delivered for ${Math.round((now() - lastChange) / 1000)} s (--exit-when-idle)`;
    }
    if (reason !== undefined) {
      fired = true;
      c.onStop(reason);
    }
  }, c.pollMs ?? 100);
  timer.unref();
  return () => clearInterval(timer);
}
