/**
 * The runtime as a library (the floor under the CLI): run a loaded config — sinks, one
 * pipeline per stream, health, stop conditions — without `ampstream run`. The process around
 * it (signals, the metrics listener, the exit code) is the caller's; `onStopSignals` is here
 * for callers that want the CLI's behaviour.
 */
export { Daemon, explainFatal, type DaemonDeps, type DaemonOutcome } from './daemon.js';
export {
  evaluateHealth,
  type HealthReport,
  type HealthInput,
  type StreamHealth,
  type SinkHealth,
} from './health.js';
export { resolveGroupsViaApi } from './groups.js';
export { watchStopConditions, type StopConditions } from './stop.js';
export { onStopSignals, exitSoon, type SignalHandlers } from './signals.js';
export { resolveStreamTarget, type StreamTarget, type StreamTargetDeps } from './stream-target.js';
export {
  Backfill,
  backfillKey,
  type BackfillDeps,
  type BackfillRequest,
  type BackfillResult,
} from './backfill.js';
