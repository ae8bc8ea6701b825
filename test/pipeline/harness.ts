import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getFormat } from '../../src/formats/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import type { Pipeline, PipelineOptions, Route } from '../../src/pipeline/types.js';
import { fileSinkOptions } from '../../src/sinks/file/config.js';
import { FileSink } from '../../src/sinks/file/sink.js';
import type { Sink } from '../../src/sinks/types.js';
import type { SourceOptions } from '../../src/source/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createMetrics, type Metrics } from '../../src/telemetry/metrics.js';
import { BROKER_URL, FAST_BACKOFF, idsOfJsonLines, tempDir, TestQueue, uniqueName } from './broker.js';

export interface Harness {
  readonly q: TestQueue;
  readonly dir: string;
  readonly eventsPath: string;
  readonly deadLetterPath: string;
  readonly pipeline: Pipeline;
  readonly metrics: Metrics;
  readonly connectionName: string;
  /** ids in the events file, in order (duplicates kept) */
  writtenIds(): string[];
  deadLetters(): Record<string, unknown>[];
  metric(name: string): Promise<number>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  readonly source?: Partial<SourceOptions>;
  readonly routes?: (dir: string) => Route[];
  readonly pipeline?: Partial<PipelineOptions> | ((dir: string) => Partial<PipelineOptions>);
  readonly eventsPath?: (dir: string) => string;
  readonly deadLetterPath?: (dir: string) => string;
  readonly queue?: TestQueue;
}

/** A pipeline on a fresh durable queue, writing raw JSON lines to a temp file. */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const q = options.queue ?? (await TestQueue.create());
  const { dir, remove } = tempDir();
  const eventsPath = options.eventsPath?.(dir) ?? join(dir, 'events.jsonl');
  const deadLetterPath = options.deadLetterPath?.(dir) ?? join(dir, 'dead-letters.jsonl');
  const metrics = createMetrics();
  const connectionName = uniqueName('ampstream-test');
  const routes = options.routes?.(dir) ?? [fileRoute('file', eventsPath)];
  const pipeline = createPipeline({
    source: {
      url: BROKER_URL,
      queue: q.name,
      reconnect: FAST_BACKOFF,
      probeIntervalMs: 0,
      watchdogMs: 0,
      connectionName,
      prefetch: 100,
      ...options.source,
    },
    routes,
    batch: { maxEvents: 20, maxWaitMs: 20 },
    deadLetterPath,
    retry: FAST_BACKOFF,
    metrics,
    logger: silentLogger,
    ...(typeof options.pipeline === 'function' ? options.pipeline(dir) : options.pipeline),
  });
  return {
    q,
    dir,
    eventsPath,
    deadLetterPath,
    pipeline,
    metrics,
    connectionName,
    writtenIds: () => (existsSync(eventsPath) ? idsOfJsonLines(readFileSync(eventsPath, 'utf8')) : []),
    deadLetters: () =>
      existsSync(deadLetterPath)
        ? readFileSync(deadLetterPath, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [],
    metric: async (name) => {
      const text = await metrics.render();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
      return sum;
    },
    cleanup: async () => {
      await pipeline.close().catch(() => undefined);
      await q.cleanup();
      remove();
    },
  };
}

export function fileSink(name: string, path: string, extra: Record<string, unknown> = {}): Sink {
  return new FileSink(fileSinkOptions.parse({ type: 'file', path, maxBytes: 0, ...extra }), {
    name,
    logger: silentLogger,
  });
}

export function fileRoute(name: string, path: string): Route {
  return { name, sink: fileSink(name, path), format: getFormat('raw') };
}

/** A sink whose writes wait until the test releases them (to observe "nothing acked before"). */
export class HeldSink implements Sink {
  readonly name = 'held';
  readonly records: string[] = [];
  #release: (() => void) | undefined;
  #gate: Promise<void>;
  writes = 0;

  constructor() {
    this.#gate = new Promise((r) => (this.#release = r));
  }

  async start(): Promise<void> {}
  async write(batch: readonly { payload: string | Buffer }[]): Promise<void> {
    this.writes++;
    await this.#gate;
    for (const r of batch) this.records.push(r.payload.toString());
  }
  release(): void {
    this.#release?.();
  }
  async close(): Promise<void> {}
}

/** Wraps a sink so each write takes at least `ms` (to cut connections mid-stream). */
export function slowed(sink: Sink, ms: number): Sink {
  return {
    name: sink.name,
    start: () => sink.start(),
    close: () => sink.close(),
    write: async (batch) => {
      await new Promise((r) => setTimeout(r, ms));
      await sink.write(batch);
    },
  };
}

/** Wraps a sink so writes wait until `open()` is called (then pass through). */
export function gated(sink: Sink): { sink: Sink; open: () => void; writes: () => number } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let writes = 0;
  return {
    open,
    writes: () => writes,
    sink: {
      name: sink.name,
      start: () => sink.start(),
      close: () => sink.close(),
      write: async (batch) => {
        writes++;
        await gate;
        await sink.write(batch);
      },
    },
  };
}
