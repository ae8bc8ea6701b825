import type { Logger } from 'pino';
import { StdoutSink } from '../../sinks/stdout/sink.js';
import type { Sink, SinkRecord } from '../../sinks/types.js';

/**
 * The sink behind `tail` and `demo`: one line per event on stdout — the human line, or with
 * `--json` the record as rendered by the route's format (raw: the original bytes). Built on
 * the stdout sink, so a reader that goes away (`| head -3`, EPIPE) stops the pipeline with
 * SINK_CLOSED and nothing unwritten is acked. `--count N` is the pipeline's stop condition
 * (`written`), not the sink's business.
 */
export interface LineSinkOptions {
  readonly name: string;
  readonly logger: Logger;
  /** (default=process.stdout) */
  readonly stream?: NodeJS.WritableStream;
  /** human line for a record; undefined = write the record's payload as is */
  readonly render?: (record: SinkRecord) => string;
  /** called after every successful write with the records written */
  readonly onWritten?: (records: readonly SinkRecord[]) => void;
}

export class LineSink implements Sink {
  readonly name: string;
  readonly #inner: StdoutSink;
  readonly #options: LineSinkOptions;
  #written = 0;

  constructor(options: LineSinkOptions) {
    this.name = options.name;
    this.#options = options;
    this.#inner = new StdoutSink({
      name: options.name,
      logger: options.logger,
      ...(options.stream === undefined ? {} : { stream: options.stream }),
    });
  }

  get written(): number {
    return this.#written;
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    const render = this.#options.render;
    const records = render === undefined ? batch : batch.map((r) => ({ event: r.event, payload: render(r) }));
    await this.#inner.write(records);
    this.#written += batch.length;
    this.#options.onWritten?.(batch);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
