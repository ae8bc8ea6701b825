import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AmpError, isAmpError } from '../../errors.js';
import { getFormat } from '../../formats/index.js';
import type { Pipeline, PipelineOptions, PipelineOutcome } from '../../pipeline/types.js';
import type { SourceEvent, SourceOptions } from '../../source/types.js';
import type { SinkRecord } from '../../sinks/types.js';
import { renderTailLine } from './tail-line.js';
import { LineSink } from './line-sink.js';
import { observeWrites } from '../../daemon/observe.js';

/**
 * The live view behind `ampstream tail` and `ampstream demo`: one pipeline, one route to
 * stdout (human lines, or `--json` raw bytes), peek (nothing acked, everything requeued on
 * exit) or consume (acked after the line is written). Stops on `stop()` (drain), after
 * `count` events, after `durationMs`, when the reader goes away (EPIPE), or on a fatal
 * source error.
 */
export interface LiveOptions {
  readonly source: SourceOptions;
  /** print the raw event bytes, one per line, instead of the human line */
  readonly json: boolean;
  readonly color: boolean;
  /** stop after this many events */
  readonly count?: number;
  /** stop after this long, in ms */
  readonly durationMs?: number;
  readonly logger: Logger;
  readonly createPipeline: (options: PipelineOptions) => Pipeline;
  /** (default=process.stdout) */
  readonly out?: NodeJS.WritableStream;
  /** human notices (peek window full, competing consumers); default: stderr */
  readonly notice?: (message: string) => void;
  readonly onSourceEvent?: (event: SourceEvent) => void;
  readonly reconnect?: SourceOptions['reconnect'];
  /** told about every batch written (the demo's dashboard) */
  readonly onWritten?: (sink: string, batch: readonly SinkRecord[]) => void;
}

export interface LiveResult {
  readonly outcome: PipelineOutcome;
  readonly written: number;
  /** the broker accepted the credentials at least once (see `explainFatal`) */
  readonly connectedOnce: boolean;
  /** poison messages set aside (consume mode only): where they were written */
  readonly deadLetterPath?: string;
}

/** (default=100) events per stdout write when no --count is given. */
const LIVE_BATCH_MAX_EVENTS = 100;
/** (default=50) a human is watching: flush partial batches quickly, in ms. */
const LIVE_BATCH_MAX_WAIT_MS = 50;

export interface LiveView {
  readonly done: Promise<LiveResult>;
  /** resolves once the consumer is up, or once starting failed (then `done` says why) */
  readonly started: Promise<void>;
  /** graceful stop (Ctrl+C): drain, requeue what was not written */
  stop(): Promise<void>;
  /** immediate stop */
  close(): Promise<void>;
  readonly pipeline: Pipeline;
}

export async function startLive(options: LiveOptions): Promise<LiveView> {
  const notice = options.notice ?? ((m: string) => process.stderr.write(`${m}\n`));
  const dir = await mkdtemp(join(tmpdir(), 'ampstream-live-'));
  const deadLetterPath = join(dir, 'dead-letter.jsonl');
  // --count is the pipeline's stop condition; --duration and Ctrl+C call stop()
  const holder: { pipeline?: Pipeline; stopping?: Promise<void> } = {};
  // one graceful stop, whoever asks first: a second drain() would turn into an immediate close
  const stop = (): Promise<void> =>
    (holder.stopping ??=
      holder.pipeline === undefined
        ? Promise.resolve()
        : holder.pipeline.stats().state === 'draining' // --count reached: it drains already
          ? holder.pipeline.done.then(() => undefined)
          : holder.pipeline.drain());
  const stopSoon = (): void => {
    setImmediate(() => void stop());
  };
  const sink = new LineSink({
    name: 'tail',
    logger: options.logger,
    ...(options.out === undefined ? {} : { stream: options.out }),
    ...(options.json
      ? {}
      : { render: (r: SinkRecord) => renderTailLine(r.event.event, { color: options.color }) }),
  });
  const count = options.count;
  const p = options.createPipeline({
    source: {
      ...options.source,
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    },
    routes: [
      {
        name: 'tail',
        sink: options.onWritten === undefined ? sink : observeWrites(sink, options.onWritten),
        format: getFormat('raw'),
      },
    ],
    batch:
      options.count === undefined
        ? { maxEvents: LIVE_BATCH_MAX_EVENTS, maxWaitMs: LIVE_BATCH_MAX_WAIT_MS }
        : { maxEvents: 1, maxWaitMs: 0 },
    deadLetterPath,
    ...(count === undefined ? {} : { stopWhen: () => sink.written >= count }),
    logger: options.logger,
  });
  holder.pipeline = p;
  let connectedOnce = false;
  const unsubscribe = p.subscribe((e) => {
    if (e.type === 'connected') connectedOnce = true;
    options.onSourceEvent?.(e);
    if (e.type === 'peek-window-full') {
      notice(
        `peek window full: ${e.prefetch} events are held unacknowledged (the prefetch limit), so the broker sends no more ` +
          'until this tail exits. They stay in the queue. Re-run with a larger --prefetch to see further, or --consume to remove them as they are shown.',
      );
    } else if (e.type === 'competing-consumers') {
      notice(
        `note: ${e.consumerCount} consumers are attached to this queue; Cisco splits events between consumers.`,
      );
    }
  });
  const timer = options.durationMs === undefined ? undefined : setTimeout(stopSoon, options.durationMs);
  const done = p.done.then(async (outcome): Promise<LiveResult> => {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
    const kept = await hasContent(deadLetterPath);
    if (!kept) await rm(dir, { recursive: true, force: true });
    // the reader went away (EPIPE): a normal end for a filter
    const normal = outcome.kind === 'fatal' && isAmpError(outcome.error, 'SINK_CLOSED');
    return {
      outcome: normal ? { kind: 'drained' } : outcome,
      written: sink.written,
      connectedOnce,
      ...(kept ? { deadLetterPath } : {}),
    };
  });
  // not awaited here: the caller installs its signal handlers first (connecting can take a
  // while, and Ctrl+C must reach `stop` meanwhile); a fatal start is reported by `done`
  const started = p.start().catch((e: unknown) => {
    if (!isAmpError(e)) throw e;
  });
  return { done, started, stop, close: () => p.close(), pipeline: p };
}

async function hasContent(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

export function assertCount(n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1))
    throw new AmpError('USAGE', '--count must be a positive integer');
}
