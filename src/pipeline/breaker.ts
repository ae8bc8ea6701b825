import { AmpError } from '../errors.js';

/** (default=0.1) more than this share of a window's events dead-lettered trips the breaker. */
export const DEFAULT_BREAKER_MAX_SHARE = 0.1;
/** (default=1000) the window: the last N events delivered on the stream. */
export const DEFAULT_BREAKER_WINDOW_EVENTS = 1000;

export interface BreakerOptions {
  /** (default=DEFAULT_BREAKER_MAX_SHARE=0.1) 0 < share <= 1; 1 turns the breaker off. */
  readonly maxShare?: number;
  /** (default=DEFAULT_BREAKER_WINDOW_EVENTS=1000) events */
  readonly windowEvents?: number;
}

/**
 * The dead-letter circuit breaker: a dead letter is acked, so a cause that hits every event
 * (a sink that refuses the data of every event, a change in the event format) would empty
 * the stream into the dead-letter file. The breaker allows at most `maxShare × windowEvents`
 * dead letters among the last `windowEvents` delivered events (100 of 1000 by default); a
 * batch that would pass that limit is not dead-lettered and not acked: the pipeline holds
 * it (the broker keeps it), /healthz says why, and the operator decides.
 *
 * Counting: `begin(n)` opens a batch of n deliveries, `admit(k)` asks for k more dead letters
 * in it (all or nothing), `commit()` closes it into the sliding window.
 */
export class DeadLetterBreaker {
  readonly #limit: number;
  readonly #window: number;
  readonly #share: number;
  readonly #batches: { n: number; dead: number }[] = [];
  #total = 0;
  #dead = 0;
  #batchN = 0;
  #batchDead = 0;

  constructor(options: BreakerOptions = {}) {
    this.#share = options.maxShare ?? DEFAULT_BREAKER_MAX_SHARE;
    this.#window = Math.max(1, options.windowEvents ?? DEFAULT_BREAKER_WINDOW_EVENTS);
    this.#limit = this.#share >= 1 ? Infinity : this.#share * this.#window;
  }

  begin(n: number): void {
    this.#batchN = n;
    this.#batchDead = 0;
  }

  /** undefined = go ahead (counted); otherwise the error to hold the batch with. */
  admit(count: number, what: string): AmpError | undefined {
    if (count === 0) return undefined;
    const dead = this.#dead + this.#batchDead + count;
    if (dead <= this.#limit) {
      this.#batchDead += count;
      return undefined;
    }
    const events = Math.min(this.#window, this.#total + this.#batchN);
    return new AmpError(
      'DEAD_LETTER_BREAKER',
      `dead-letter circuit breaker open: ${dead} of the last ${events} events would be dead-lettered ` +
        `(${what}), more than ${Math.round(this.#share * 100)} % of ${this.#window}; nothing more is ` +
        'acknowledged, the events stay in the queue',
      {
        retryable: true,
        details: { deadLetters: dead, events, maxShare: this.#share, windowEvents: this.#window },
        hint:
          'read the reasons in the dead-letter file and fix the cause (sink settings, receiver schema); ' +
          'if this share of bad events is expected, raise deadLetter.breaker.maxShare; then restart',
      },
    );
  }

  commit(): void {
    this.#batches.push({ n: this.#batchN, dead: this.#batchDead });
    this.#total += this.#batchN;
    this.#dead += this.#batchDead;
    this.#batchN = 0;
    this.#batchDead = 0;
    while (this.#batches.length > 1 && this.#total - (this.#batches[0] as { n: number }).n >= this.#window) {
      const b = this.#batches.shift() as { n: number; dead: number };
      this.#total -= b.n;
      this.#dead -= b.dead;
    }
  }
}
