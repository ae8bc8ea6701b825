import { ExitCode } from '../errors.js';

/**
 * SIGINT / SIGTERM handling shared by `run`, `tail` and `demo` (docs/architecture.md, Shutdown):
 * the first signal asks for a graceful stop (drain: ack what was written, requeue the rest);
 * a second one exits at once with 130 — anything unacked is redelivered by the broker, so
 * even that loses nothing.
 */
export interface SignalHandlers {
  /** first signal: start the graceful stop (not awaited here) */
  readonly graceful: (signal: NodeJS.Signals) => void;
  /** (default=process.exit(130)) second signal */
  readonly immediate?: (signal: NodeJS.Signals) => void;
}

export function onStopSignals(handlers: SignalHandlers): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) handlers.graceful(signal);
    else if (handlers.immediate !== undefined) handlers.immediate(signal);
    else process.exit(ExitCode.INTERRUPTED);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/**
 * After the work is done, make sure the process really ends: a stray socket or timer in a
 * library must not turn a finished daemon into a hung one. The timer is unref'd, so it never
 * keeps the process alive by itself.
 */
export function exitSoon(code: number, graceMs = 5_000): void {
  setTimeout(() => process.exit(code), graceMs).unref();
}
