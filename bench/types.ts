import type { Broker } from './broker.js';
/** Shared shapes of the drain benchmark (`npm run bench`). */

/** Where one drain of one consumer runs: the queue it drains and the files it writes. */
export interface DrainContext {
  readonly n: number;
  readonly queue: string;
  /** directory for this consumer's files in this rep */
  readonly dir: string;
  /** the file the consumed events end up in (the consumer's stdout or its own output file) */
  readonly outputPath: string;
}

export interface Launch {
  readonly cmd: string;
  readonly args: readonly string[];
  /** 'output': the consumer prints the events on stdout, which goes to `outputPath` */
  readonly stdout: 'output' | 'ignore';
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * - `exits`: the consumer stops by itself after N events (the reference consumers, or
 *   `ampstream run` with a stop-after option): the drain ends when it exits.
 * - `sigterm-at-n`: the harness watches the output file and sends SIGTERM once it has N
 *   lines; the drain ends at that moment (shutdown excluded from time and CPU).
 */
export type StopMode = 'exits' | 'sigterm-at-n';

export interface ConsumerSpec {
  readonly name: string;
  readonly description: string;
  /** false for consumers that never ack (pika_asis): the queue is expected to stay full */
  readonly acks: boolean;
  readonly stop: StopMode;
  /** the output format, for per-format CPU targets ('raw' for the reference consumers) */
  readonly format: 'raw' | 'ecs' | 'ocsf' | 'cef';
  /** is this an ampstream configuration (the one the targets judge)? */
  readonly ampstream: boolean;
  /** Build or check what the consumer needs; returns why it cannot run, or undefined. */
  prepare(): Promise<string | undefined>;
  /** Make the consumer's destination ready and empty before each drain (sink benchmarks). */
  before?(ctx: DrainContext): Promise<void>;
  launch(ctx: DrainContext): Launch;
  /**
   * After a drain, write what the destination received to `ctx.outputPath`, one event per
   * line, so the usual output check (line count, sampled ids) can read it.
   */
  collect?(ctx: DrainContext): Promise<void>;
  /** Stop what `prepare` or `before` started (servers, connections). */
  dispose?(): Promise<void>;
  /**
   * The broker this consumer drains from when it is not the local RabbitMQ (the built-in
   * broker's process for `ampstream_builtin`): filled, probed and measured instead of it.
   */
  ownBroker?(): { readonly broker: Broker; readonly pid: number } | undefined;
}

export type DrainStatus = 'ok' | 'stalled' | 'timeout' | 'failed' | 'unavailable' | 'fill-failed';

/** One measured drain. Times in seconds, memory in MB (1 MB = 2^20 bytes). */
export interface DrainResult {
  readonly config: string;
  readonly rep: number;
  readonly n: number;
  readonly status: DrainStatus;
  readonly note?: string;
  /** first delivery seen (queue ready count below N) → last event written (or exit) */
  readonly drainSecs?: number;
  readonly eps?: number;
  /** spawn → exit, startup and shutdown included */
  readonly wallSecs?: number;
  /** the consumer's own RESULT line, when it prints one */
  readonly selfReported?: { readonly secs?: number; readonly eps?: number };
  /** whole-process CPU (user + system), start-up and shutdown included */
  readonly cpuSecs?: number;
  /** CPU already used when the first deliveries were seen (interpreter, modules, connect) */
  readonly startupCpuSecs?: number;
  /** CPU used after the last event was written (stop condition, graceful shutdown) */
  readonly shutdownCpuSecs?: number;
  /** CPU between the first delivery and the last event written ÷ N, in µs */
  readonly usPerEvent?: number;
  readonly peakRssMb?: number;
  readonly brokerCpuSecs?: number;
  readonly brokerUsPerEvent?: number;
  readonly brokerPeakRssMb?: number;
  readonly depthAfter?: number;
  /** cores used by everything else on the machine during the drain (noise indicator) */
  readonly otherCores?: number;
  readonly payloadBytes?: number;
  readonly fillSecs?: number;
  readonly output?: OutputCheck;
}

/** What the consumer wrote: line count and exact ids of a sample of the published events. */
export interface OutputCheck {
  readonly lines: number;
  readonly sampled: number;
  readonly idsFound: number;
}
