import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AmpError } from '../errors.js';

/** (default=0o600) dead letters hold whole events, raw: owner-only. */
const DEAD_LETTER_MODE = 0o600;

/**
 * One dead letter, one JSON line (docs/architecture.md, Poison messages):
 *
 *   {"time":"2026-11-27T12:44:57.123Z","reason":"body is not JSON (…)","kind":"not-json",
 *    "delivery":{"routingKey":"…","exchange":"events_api_stream","redelivered":false},
 *    "body":"<base64 of the exact bytes>"}
 *
 * `kind` is the machine reason (a PoisonReason kind, or `sink-rejected` with `route` and
 * `error` when a sink refused the event for good).
 */
export interface DeadLetter {
  readonly time: string;
  readonly kind: string;
  readonly reason: string;
  readonly route?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly eventId?: string;
  readonly delivery: {
    readonly routingKey: string;
    readonly exchange: string;
    readonly redelivered: boolean;
  };
  /** base64 */
  readonly body: string;
}

/**
 * Append-only JSON-lines file, fsynced per append: the pipeline acks a dead-lettered delivery
 * only after `append` resolved. Any failure is a retryable DEAD_LETTER_FAILED: the pipeline
 * holds the deliveries and retries (backpressure), it never acks what it could not record.
 */
export class DeadLetterFile {
  readonly path: string;
  #fh: FileHandle | undefined;
  #count = 0;

  constructor(path: string) {
    this.path = path;
  }

  get count(): number {
    return this.#count;
  }

  async append(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const data = Buffer.from(letters.map((l) => JSON.stringify(l)).join('\n') + '\n', 'utf8');
    try {
      if (this.#fh === undefined) {
        await mkdir(dirname(this.path), { recursive: true });
        this.#fh = await open(this.path, 'a', DEAD_LETTER_MODE);
      }
      const fh = this.#fh;
      for (let off = 0; off < data.length;)
        off += (await fh.write(data, off, data.length - off)).bytesWritten;
      await fh.datasync();
      this.#count += letters.length;
    } catch (e) {
      const fh = this.#fh;
      this.#fh = undefined;
      await fh?.close().catch(() => undefined);
      const errno = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      throw new AmpError('DEAD_LETTER_FAILED', `cannot write the dead-letter file ${this.path} (${errno})`, {
        retryable: true,
        cause: e,
        details: { path: this.path, errno },
        hint: 'make the dead-letter directory writable (deadLetter.path); the deliveries are held until then',
      });
    }
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}
