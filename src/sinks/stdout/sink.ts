import type { Logger } from 'pino';
import { AmpError, ExitCode } from '../../errors.js';
import { joinLines } from '../shared/lines.js';
import type { Sink, SinkRecord } from '../types.js';

export interface StdoutSinkDeps {
  readonly name: string;
  readonly logger: Logger;
  /** (default=process.stdout) injected for tests and for the CLI's own renderers. */
  readonly stream?: NodeJS.WritableStream;
}

/** errno / stream codes meaning the reader is gone for good (`ampstream run | head`). */
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ECONNRESET']);

/**
 * JSON lines on standard output, one write per batch. `write()` resolves from the stream's
 * write callback: the bytes were handed to the pipe or file (on Linux, stdout writes to
 * pipes and files are synchronous). When the reader goes away (EPIPE) the sink fails with
 * `SINK_CLOSED` (exit code 0, like any Unix filter whose reader quit): the pipeline stops
 * and acks nothing it has not written; the unwritten deliveries go back to the queue.
 */
export class StdoutSink implements Sink {
  readonly name: string;
  readonly #stream: NodeJS.WritableStream;
  readonly #log: Logger;
  #gone: AmpError | undefined;
  readonly #onError = (e: Error): void => {
    this.#gone ??= this.#classify(e);
  };

  constructor(deps: StdoutSinkDeps) {
    this.name = deps.name;
    this.#stream = deps.stream ?? process.stdout;
    this.#log = deps.logger;
  }

  async start(): Promise<void> {
    // Without an 'error' listener an EPIPE on stdout would crash the process.
    this.#stream.on('error', this.#onError);
  }

  write(batch: readonly SinkRecord[]): Promise<void> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    if (batch.length === 0) return Promise.resolve();
    const data = joinLines(batch);
    return new Promise((resolve, reject) => {
      try {
        this.#stream.write(data, (err) => {
          if (err === null || err === undefined) return resolve();
          const e = this.#classify(err);
          if (e.code === 'SINK_CLOSED') this.#gone ??= e;
          reject(e);
        });
      } catch (err) {
        reject(this.#classify(err as Error));
      }
    });
  }

  async close(): Promise<void> {
    // Keep the listener after a broken pipe: a late EPIPE must not crash the process.
    if (this.#gone === undefined) this.#stream.off('error', this.#onError);
  }

  #classify(e: Error): AmpError {
    const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    if (GONE.has(code)) {
      this.#log.debug({ code }, 'stdout reader went away');
      return new AmpError('SINK_CLOSED', `stdout sink "${this.name}": the reader closed the pipe (${code})`, {
        retryable: false,
        exitCode: ExitCode.OK,
        cause: e,
        details: { sink: this.name, errno: code },
      });
    }
    return new AmpError('SINK_WRITE_FAILED', `stdout sink "${this.name}": write failed (${code})`, {
      retryable: true,
      cause: e,
      details: { sink: this.name, errno: code },
    });
  }
}
