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

/**
 * A sink's lifecycle and the one resource it opens at start (an HTTP client, a pool): the
 * guards of `start()`, `write()` and `close()` in one place.
 */
export class SinkLifecycle<R> {
  readonly #sinkName: string;
  #state: SinkState = 'new';
  #resource: R | undefined;

  constructor(sinkName: string) {
    this.#sinkName = sinkName;
  }

  get state(): SinkState {
    return this.#state;
  }

  /** For `start()`: true when started already (a no-op); throws once closed. */
  get started(): boolean {
    if (this.#state === 'closed') throw closedError(this.#sinkName);
    return this.#state === 'started';
  }

  /** `start()` succeeded with this resource. */
  start(resource: R): void {
    this.#resource = resource;
    this.#state = 'started';
  }

  /** For `write()`: the resource; throws before `start()` and after `close()`. */
  use(): R {
    const r = this.#resource;
    if (this.#state !== 'started' || r === undefined)
      throw this.#state === 'closed' ? closedError(this.#sinkName) : notStarted(this.#sinkName);
    return r;
  }

  /** For `close()`: closed for good; returns the resource to release, once (else undefined). */
  close(): R | undefined {
    if (this.#state === 'closed') return undefined;
    this.#state = 'closed';
    const r = this.#resource;
    this.#resource = undefined;
    return r;
  }
}
