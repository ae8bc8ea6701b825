import { AmpError } from '../../errors.js';

/**
 * The lifecycle every network sink follows (the Sink contract, sinks/types.ts): `start()` once
 * (again is a no-op), `write()` only between start and close, `close()` idempotent; a closed
 * sink is not restarted (the daemon creates a new one).
 */
export type SinkState = 'new' | 'started' | 'closed';

/** `start()` or `write()` after `close()`: a bug in the caller, not a delivery failure. */
export function closedError(sinkName: string): AmpError {
  return new AmpError('INTERNAL', `sink "${sinkName}" is closed`, { details: {} });
}

/** `write()` before `start()`: a bug in the caller, not a delivery failure. */
export function notStarted(sinkName: string): AmpError {
  return new AmpError('INTERNAL', `sink "${sinkName}" was written to before start()`, {
    details: {},
  });
}
