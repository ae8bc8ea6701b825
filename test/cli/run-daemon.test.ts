import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { SerialSink } from '../../src/daemon/shared-sink.js';
import { AmpError } from '../../src/errors.js';
import type { Pipeline, PipelineOptions, PipelineOutcome, PipelineStats } from '../../src/pipeline/types.js';
import type { Sink, SinkRecord } from '../../src/sinks/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { loadEventFixtures } from '../fixtures/events/load.js';
import { fakeFactories } from '../config/fake-sinks.js';

/** A pipeline double: records its options, lets the test end it. */
class FakePipeline implements Pipeline {
  readonly options: PipelineOptions;
  drained = false;
  closed = false;
  #resolve!: (o: PipelineOutcome) => void;
  readonly done: Promise<PipelineOutcome>;
  constructor(options: PipelineOptions) {
    this.options = options;
    this.done = new Promise((r) => (this.#resolve = r));
  }
  async start(): Promise<void> {}
  async drain(): Promise<void> {
    this.drained = true;
    this.#resolve({ kind: 'drained' });
  }
  async close(): Promise<void> {
    this.closed = true;
    this.#resolve({ kind: 'drained' });
  }
  fail(error: AmpError): void {
    this.#resolve({ kind: 'fatal', error });
  }
  stats(): PipelineStats {
    return {
      state: 'running',
      connected: true,
      delivered: 0,
      redelivered: 0,
      acked: 0,
      requeued: 0,
      deadLettered: 0,
      duplicates: 0,
      inFlight: 0,
      reconnects: 0,
      queueDepth: 0,
      consumerCount: 1,
      routes: this.options.routes.map((r) => ({
        name: r.name,
        written: 0,
        filtered: 0,
        failures: 0,
        deadLettered: 0,
        retrying: undefined,
      })),
    };
  }
  subscribe(): () => void {
    return () => undefined;
  }
}

const text = `streams:
  - name: one
    amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q1, password: env:PW }
  - name: two
    amqp: { url: 'amqps://u@broker.example:443', queue: q2, password: env:PW }
sinks:
  - name: all
    type: file
    path: all.jsonl
  - name: only-two
    type: file
    path: two.jsonl
    streams: [two]
    filter: { eventTypes: [Threat Detected] }
metrics: { listen: false }
`;

function setup() {
  const { config } = parseConfig(text, {
    path: '/tmp/x/ampstream.yaml',
    factories: fakeFactories,
    env: { PW: 'pw' },
  });
  const pipelines: FakePipeline[] = [];
  const daemon = new Daemon(config, {
    createPipeline: (o) => {
      const p = new FakePipeline(o);
      pipelines.push(p);
      return p;
    },
    factories: fakeFactories,
    resolveSecret: async (ref) => (ref === 'env:PW' ? 'pw' : Promise.reject(new Error(ref))),
    vault: async () => undefined,
    logger: silentLogger,
    metrics: createMetrics(),
  });
  return { daemon, pipelines };
}

describe('the run daemon', () => {
  it('builds one pipeline per stream with the password filled in and the routes each stream goes to', async () => {
    const { daemon, pipelines } = setup();
    await daemon.start();
    expect(pipelines.map((p) => p.options.source.queue)).toEqual(['q1', 'q2']);
    expect(pipelines[0]?.options.source.url).toBe('amqp://guest:pw@127.0.0.1:5672');
    expect(pipelines[1]?.options.source.url).toBe('amqps://u:pw@broker.example:443');
    expect(pipelines[0]?.options.routes.map((r) => r.name)).toEqual(['all']);
    expect(pipelines[1]?.options.routes.map((r) => r.name)).toEqual(['all', 'only-two']);
    expect(pipelines[0]?.options.ownsSinks).toBe(false);
    expect(pipelines[0]?.options.deadLetterPath).toBe('/tmp/x/ampstream-dead-letter.jsonl');
    // one sink instance shared by both streams
    expect(pipelines[0]?.options.routes[0]?.sink).toBe(pipelines[1]?.options.routes[0]?.sink);
    const filter = pipelines[1]?.options.routes[1]?.filter;
    const events = loadEventFixtures().map((f) => f.decoded.event);
    expect(events.filter((e) => filter?.(e) ?? true).map((e) => e.event_type_id)).toEqual([1090519054]);
    expect(daemon.health().status).toBe('ok');
    await daemon.drain();
    expect(await daemon.done).toEqual({ kind: 'drained' });
  });

  it('drains the other pipelines and reports the first fatal error when one stream fails', async () => {
    const { daemon, pipelines } = setup();
    await daemon.start();
    const error = new AmpError('AMQP_QUEUE_NOT_FOUND', 'queue q2 is gone');
    pipelines[1]?.fail(error);
    const outcome = await daemon.done;
    expect(outcome).toEqual({ kind: 'fatal', error, stream: 'two' });
    expect(pipelines[0]?.drained).toBe(true);
  });

  it('needs an API login when a filter names a group instead of a GUID', async () => {
    const { config } = parseConfig(
      `${text.replace('filter: { eventTypes: [Threat Detected] }', 'filter: { groups: [Audit] }')}`,
      {
        path: '/tmp/x/ampstream.yaml',
        factories: fakeFactories,
        env: {},
      },
    );
    const daemon = new Daemon(config, {
      createPipeline: (o) => new FakePipeline(o),
      factories: fakeFactories,
      resolveSecret: async () => 'pw',
      vault: async () => undefined,
      logger: silentLogger,
      metrics: createMetrics(),
    });
    await expect(daemon.start()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining('GUIDs'),
    });
  });
});

describe('a sink shared by several pipelines', () => {
  it('never runs two writes at once, and a failed write does not block the next', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: number[] = [];
    const inner: Sink = {
      name: 's',
      start: async () => {},
      close: async () => {},
      write: async (batch: readonly SinkRecord[]) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setImmediate(r));
        active -= 1;
        seen.push(batch.length);
        if (batch.length === 2) throw new AmpError('SINK_UNAVAILABLE', 'down', { retryable: true });
      },
    };
    const shared = new SerialSink(inner);
    const rec = { event: loadEventFixtures()[0]!.decoded, payload: 'x' };
    const results = await Promise.allSettled([
      shared.write([rec]),
      shared.write([rec, rec]),
      shared.write([rec, rec, rec]),
    ]);
    expect(maxActive).toBe(1);
    expect(seen).toEqual([1, 2, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
