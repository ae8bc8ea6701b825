/**
 * In-process: CPU per event of the delivery path around decode and format — the real
 * DeliveryPipeline (batching, decode, route, arena, ack) into a real FileSink (write(2) +
 * fdatasync) — fed by a fake Source that replays prebuilt deliveries in "socket reads" of
 * `--read` messages per macrotask, never more than `--prefetch` unacked (as the broker does).
 * No AMQP framing: that part is measured by whole drains (`npm run bench`).
 *
 *   npx tsx bench/pipeline-delivery.ts [--format raw|ecs|ocsf] [--events N] [--rounds R] [--fsync true|false]
 *
 * Prints µs of CPU (user+sys, process.cpuUsage) per event per round, and the wall time.
 * A/B: run it on two builds (worktrees) alternately, in separate processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getFormat } from '../src/formats/index.js';
import { DeliveryPipeline } from '../src/pipeline/pipeline.js';
import { FileSink } from '../src/sinks/file/sink.js';
import type { Delivery, DeliveryHandler, Source, SourceOutcome, SourceStatus } from '../src/source/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { loadEventFixtures } from '../test/fixtures/events/load.js';

const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'raw' },
    events: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    read: { type: 'string', default: '50' },
    prefetch: { type: 'string', default: '1000' },
    fsync: { type: 'string', default: 'true' },
  },
});
const EVENTS = Number(values.events);
const READ = Number(values.read);
const PREFETCH = Number(values.prefetch);
const bodies = loadEventFixtures().map((f) => Buffer.from(f.compact));

/** Replays `total` deliveries, READ per macrotask, at most PREFETCH unacked. */
class ReplaySource implements Source {
  #handler: DeliveryHandler | undefined;
  #sent = 0;
  #acked = 0;
  #cancelled = false;
  #scheduled = false;
  readonly #total: number;
  readonly done: Promise<SourceOutcome>;
  #resolveDone!: (o: SourceOutcome) => void;
  #onAllAcked: () => void = () => undefined;
  readonly allAcked: Promise<void>;

  constructor(total: number) {
    this.#total = total;
    this.done = new Promise((r) => (this.#resolveDone = r));
    this.allAcked = new Promise((r) => (this.#onAllAcked = r));
  }
  get status(): SourceStatus {
    return {
      state: 'consuming',
      connected: true,
      generation: 1,
      reconnects: 0,
      messageCount: undefined,
      consumerCount: undefined,
      lastError: undefined,
    };
  }
  start(handler: DeliveryHandler): Promise<void> {
    this.#handler = handler;
    this.#schedule();
    return Promise.resolve();
  }
  #schedule(): void {
    if (this.#scheduled || this.#cancelled) return;
    this.#scheduled = true;
    setImmediate(this.#read);
  }
  readonly #read = (): void => {
    this.#scheduled = false;
    const h = this.#handler as DeliveryHandler;
    for (let i = 0; i < READ && this.#sent < this.#total && this.#sent - this.#acked < PREFETCH; i++) {
      const tag = ++this.#sent;
      const body = Buffer.from(bodies[tag % bodies.length] as Buffer); // a fresh copy, like a socket read
      const d: Delivery = { body, tag, generation: 1, redelivered: false, routingKey: 'rk', exchange: '' };
      h.onDelivery(d);
    }
    if (this.#sent < this.#total && this.#sent - this.#acked < PREFETCH) this.#schedule();
  };
  ack(_generation: number, tag: number): void {
    this.#acked = tag;
    if (tag >= this.#total) this.#onAllAcked();
    else this.#schedule();
  }
  requeueAll(): void {}
  cancel(): Promise<void> {
    this.#cancelled = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.#resolveDone({ kind: 'closed' });
    return Promise.resolve();
  }
  subscribe(): () => void {
    return () => undefined;
  }
}

async function round(dir: string, n: number): Promise<{ cpuUs: number; sysUs: number; wallMs: number }> {
  const path = join(dir, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const source = new ReplaySource(n);
  const sink = new FileSink(
    {
      type: 'file',
      path,
      fsync: values.fsync === 'true',
      maxBytes: 0,
      rotateMinutes: 0,
      gzip: false,
      maxFiles: 0,
      mode: 0o600,
    },
    { name: 'jsonl', logger: silentLogger },
  );
  const p = new DeliveryPipeline({
    source: { url: 'amqp://127.0.0.1', queue: 'bench' },
    routes: [{ name: 'jsonl', sink, format: getFormat(values.format as 'raw') }],
    deadLetterPath: join(dir, 'dead.jsonl'),
    createSource: () => source,
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await p.start();
  await source.allAcked;
  const c = process.cpuUsage(c0);
  const wallMs = performance.now() - t0;
  await p.drain();
  rmSync(path, { force: true });
  return { cpuUs: (c.user + c.system) / n, sysUs: c.system / n, wallMs };
}

const dir = mkdtempSync(join(tmpdir(), 'ampstream-pipe-bench-'));
try {
  await round(dir, 20_000); // warm-up
  for (let r = 0; r < Number(values.rounds); r++) {
    const { cpuUs, sysUs, wallMs } = await round(dir, EVENTS);
    console.log(
      `format=${values.format} events=${EVENTS} round=${r} cpu_us_per_event=${cpuUs.toFixed(2)} sys_us=${sysUs.toFixed(2)} wall_ms=${wallMs.toFixed(0)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
