import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pc from 'picocolors';
import { SecureEndpointClient } from '../../api/client.js';
import { amqpTargetFromCredentials, type AmqpTarget } from '../../api/amqp-credentials.js';
import { DEFAULT_AMQP_URL_PORT } from '../../config/defaults.js';
import { AmpError, ExitCode, isAmpError, toAmpError } from '../../errors.js';
import { startEmulator } from '../../emulator/index.js';
import type { RunningEmulator } from '../../emulator/types.js';
import { mountDashboard, RecentEvents } from '../../dashboard/index.js';
import type { PipelineStats } from '../../pipeline/types.js';
import { amqpEndpoint } from '../../source/endpoint.js';
import { evaluateHealth, type HealthReport } from '../../daemon/health.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { createMetrics } from '../../telemetry/metrics.js';
import { startTelemetryServer, type TelemetryServer } from '../../telemetry/server.js';
import { sleep } from '../../util/retry.js';
import { redactUrls } from '../../telemetry/redact.js';
import { createPipeline } from '../../pipeline/index.js';
import { assertCount, startLive, type LiveOptions, type LiveResult, type LiveView } from '../live/live.js';
import { exitSoon, onStopSignals } from '../../daemon/signals.js';
import { reportError } from '../output.js';

/**
 * `ampstream demo` — the README's first command. The seed tech note, end to end, against the
 * built-in emulator (in memory, nothing written to disk, no vault passphrase):
 *   1. API credentials   2. POST /v1/event_streams → 201   3. amqp_credentials (the one-time
 *   password kept in memory only)   4. amqps connect, passive declare, consume   5. events live,
 *   acked once shown   6. Ctrl+C: drain, DELETE the stream, close.
 */

/** publisher tick, in ms: rate/10 events per tick at the default */
const TICK_MS = 100;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (m === null)
    throw new AmpError('USAGE', `--duration "${text}" is not a duration`, { hint: 'e.g. 30s, 2m, 1500ms' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

export interface DemoOptions {
  readonly rate: number;
  readonly count?: number;
  readonly durationMs?: number;
  /** undefined: the emulator's built-in broker (nothing to install or start) */
  readonly brokerUrl?: string | undefined;
  readonly managementUrl?: string;
  readonly seed?: number;
  readonly json: boolean;
  readonly color: boolean;
  /** serve the live dashboard on 127.0.0.1 (this port; 0 = a free one) */
  readonly dashboardPort?: number;
}

export async function demoCommand(o: DemoOptions): Promise<number> {
  return new DemoRun(o).run();
}

type DemoStream = Awaited<ReturnType<typeof createDemoStream>>;

/** One run of the demo: its steps, and what Ctrl+C and the cleanup need to reach. */
class DemoRun {
  readonly #o: DemoOptions;
  readonly #c: ReturnType<typeof pc.createColors>;
  readonly #logger = createLogger({ defaultLevel: 'warn' });
  readonly #recent: RecentEvents | undefined;
  #emu: RunningEmulator | undefined;
  #client: SecureEndpointClient | undefined;
  /** set while the stream exists: whatever happens, it is deleted */
  #streamId: number | undefined;
  #view: LiveView | undefined;
  #dashboard: TelemetryServer | undefined;
  #stopPublishing = (): void => undefined;
  /** set by a second Ctrl+C: the signal handler cleans up and exits; the normal path stands down */
  #aborting = false;
  /** Ctrl+C before the events flow: finish the current step, then clean up and exit */
  #stopRequested = false;
  /** the handlers stay until the stream is deleted: a second Ctrl+C during cleanup still cleans up */
  #offSignals = (): void => undefined;

  constructor(o: DemoOptions) {
    this.#o = o;
    this.#c = pc.createColors(o.color && process.stderr.isTTY === true);
    this.#recent = o.dashboardPort === undefined ? undefined : new RecentEvents({ payloads: false });
  }

  async run(): Promise<number> {
    const c = this.#c;
    try {
      this.#offSignals = onStopSignals({
        graceful: () => this.#graceful(),
        immediate: () => this.#immediate(),
      });
      checkDemoOptions(this.#o);
      say(
        c.dim(
          'ampstream demo: the Event Streams tech note, end to end, against the built-in emulator (in memory)',
        ),
      );
      const emu = (this.#emu = await startEmulatorOrExplain(this.#o));
      if (this.#stopped()) return finish(ExitCode.OK);
      const { client, stream } = await this.#createStream(emu);
      if (this.#stopped()) return finish(ExitCode.OK);
      const live = await this.#consume(emu, stream);
      const result = await this.#showEvents(emu, live);
      if (this.#aborting) return await standDown();
      this.#stopPublishing();
      if (result.outcome.kind === 'fatal') throw result.outcome.error;
      this.#step(6, `${result.written} events shown and acknowledged; DELETE /v1/event_streams/${stream.id}`);
      await client.deleteEventStream(stream.id);
      this.#streamId = undefined;
      say(c.dim('done: stream deleted, emulator closed'));
      return finish(ExitCode.OK);
    } catch (e) {
      if (this.#aborting) return await standDown();
      this.#stopPublishing();
      await this.#view?.close().catch(() => undefined);
      return finish(reportError(e));
    } finally {
      await this.#cleanUp();
    }
  }

  #step(n: number, m: string): void {
    say(`${this.#c.bold(this.#c.cyan(`${n}.`))} ${m}`);
  }

  #stopped(): boolean {
    if (this.#stopRequested) say(this.#c.dim('stopped before any event was consumed'));
    return this.#stopRequested;
  }

  #graceful(): void {
    this.#stopRequested = true;
    void this.#view?.stop();
  }

  /** A second Ctrl+C: no drain, but still leave no stream, queue or broker user behind. */
  #immediate(): void {
    this.#aborting = true;
    say(this.#c.yellow('second signal: exiting now (cleaning up for at most 3 s)'));
    this.#stopPublishing();
    const cleanup = (async () => {
      await this.#view?.close().catch(() => undefined);
      if (this.#streamId !== undefined)
        await this.#client?.deleteEventStream(this.#streamId).catch(() => undefined);
      await this.#emu?.close().catch(() => undefined);
    })();
    void Promise.race([cleanup, sleep(IMMEDIATE_CLEANUP_MS)]).finally(() =>
      process.exit(ExitCode.INTERRUPTED),
    );
  }

  /** Steps 1 and 2: the emulator's API credentials, POST /v1/event_streams. */
  async #createStream(emu: RunningEmulator): Promise<{ client: SecureEndpointClient; stream: DemoStream }> {
    this.#step(
      1,
      `API credentials: client id ${emu.clientId}, API key ${mask(emu.apiKey)} (Read & Write; the emulator made them)`,
    );
    const client = (this.#client = emulatorClient(emu, this.#logger));
    const groups = emu.fleet.groups.map((g) => g.guid);
    const name = `ampstream demo ${randomBytes(3).toString('hex')}`;
    const stream = await createDemoStream(client, name, groups);
    this.#streamId = stream.id;
    this.#step(
      2,
      `POST ${emu.apiUrl}/v1/event_streams {name: "${name}", group_guid: [${groups.length} groups], event_type: all} → ${this.#c.green('201 Created')}, stream id ${stream.id}`,
    );
    return { client, stream };
  }

  /** Steps 3 and 4: the one-time AMQP credentials, connect and consume (and the dashboard). */
  async #consume(emu: RunningEmulator, stream: DemoStream): Promise<LiveView> {
    const o = this.#o;
    const cr = stream.amqp_credentials;
    this.#step(
      3,
      `amqp_credentials: user_name ${cr.user_name}, password ${mask(cr.password)} (shown only once: kept in memory, never written), queue_name ${cr.queue_name}, host ${cr.host}, port "${cr.port}", proto "${cr.proto}"`,
    );
    const target = amqpTargetFromCredentials(cr);
    this.#step(
      4,
      `connect ${target.redactedUrl} (TLS verified against the emulator's CA), queue.declare ${target.queue} passive+durable, basic.qos, basic.consume`,
    );
    const recent = this.#recent;
    const live = (this.#view = await startLive(this.#liveOptions(emu, target)));
    if (recent !== undefined) {
      this.#dashboard = await startDemoDashboard(live, recent, o.dashboardPort ?? 0, this.#logger);
      say(
        `   ${this.#c.bold('dashboard:')} ${this.#c.cyan(`${this.#dashboard.url}/`)} (live; open it in a browser)`,
      );
    }
    if (this.#stopRequested) void live.stop();
    return live;
  }

  /** The live view of steps 4 and 5: consume (ack once shown), the dashboard's recent events. */
  #liveOptions(emu: RunningEmulator, target: AmqpTarget): LiveOptions {
    const o = this.#o;
    const recent = this.#recent;
    return {
      source: {
        url: target.url,
        queue: target.queue,
        ca: emu.caPem,
        mode: 'consume',
        prefetch: 100,
        connectionName: 'ampstream demo',
        env: {},
        logger: this.#logger,
      },
      json: o.json,
      color: o.color && process.stdout.isTTY === true,
      ...(o.count === undefined ? {} : { count: o.count }),
      ...(o.durationMs === undefined ? {} : { durationMs: o.durationMs }),
      logger: this.#logger,
      createPipeline,
      ...(recent === undefined
        ? {}
        : { onWritten: (sink, batch) => recent.written(sink, batch, Date.now()) }),
    };
  }

  /** Step 5: publish at the rate, show every event until a stop condition or Ctrl+C. */
  async #showEvents(emu: RunningEmulator, live: LiveView): Promise<LiveResult> {
    const o = this.#o;
    this.#stopPublishing = publishAtRate(emu, o.rate, (e) => {
      this.#logger.warn({ err: e.message }, 'demo generator: publish failed');
    });
    const stopAt = stopCondition(o);
    this.#step(
      5,
      `generator: ${o.rate} events/s; each event is acked once its line is printed (${stopAt === '' ? 'Ctrl+C to stop' : `stopping ${stopAt}; Ctrl+C to stop earlier`})`,
    );
    await live.started;
    return live.done;
  }

  async #cleanUp(): Promise<void> {
    await this.#dashboard?.close().catch(() => undefined);
    if (this.#streamId !== undefined)
      await this.#client?.deleteEventStream(this.#streamId).catch(() => undefined);
    await this.#client?.close().catch(() => undefined);
    await this.#emu?.close().catch(() => undefined);
    this.#offSignals();
  }
}

function say(m: string): void {
  process.stderr.write(`${m}\n`);
}

const standDown = (): Promise<never> => new Promise<never>(() => undefined);

function checkDemoOptions(o: DemoOptions): void {
  assertCount(o.count);
  if (!(o.rate > 0) || o.rate > 10_000)
    throw new AmpError('USAGE', '--rate must be between 0 and 10000 events per second');
}

/** The API client of the in-process emulator. */
function emulatorClient(emu: RunningEmulator, logger: Logger): SecureEndpointClient {
  return new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
    // the emulator is in this process, on loopback: a proxy from the environment (a
    // corporate HTTPS_PROXY) could not reach it and must not break the first command
    env: {},
    logger,
  });
}

async function createDemoStream(client: SecureEndpointClient, name: string, groups: readonly string[]) {
  const created = await client.createEventStream({ name, groupGuids: groups });
  if (created.status !== 'created')
    throw new AmpError('EMULATOR', 'the demo stream could not be created cleanly');
  return created.stream;
}

/** "after 100 events or after 30 s", or '' when only Ctrl+C stops the demo. */
function stopCondition(o: DemoOptions): string {
  return [
    o.count === undefined ? '' : `after ${o.count} events`,
    o.durationMs === undefined ? '' : `after ${o.durationMs / 1000} s`,
  ]
    .filter(Boolean)
    .join(' or ');
}

/** The daemon's dashboard on the demo's one pipeline (loopback only, no token). */
async function startDemoDashboard(
  live: LiveView,
  recent: RecentEvents,
  port: number,
  logger: Logger,
): Promise<TelemetryServer> {
  const stats = (): { stream: string; stats: PipelineStats }[] => [
    { stream: 'demo', stats: live.pipeline.stats() },
  ];
  const health = (): HealthReport => evaluateHealth(stats(), { maxSinkRetryMs: 120_000 });
  return startTelemetryServer({
    host: '127.0.0.1',
    port,
    metrics: createMetrics(),
    health,
    logger,
    dashboard: (app) =>
      mountDashboard(app, {
        source: { stats, health, lag: async () => new Map(), recent },
        payloads: false,
      }),
  });
}

function finish(code: number): number {
  exitSoon(code);
  return code;
}

/** On a second Ctrl+C, how long the demo may spend deleting its stream before it exits, in ms. */
const IMMEDIATE_CLEANUP_MS = 3000;

/** (default=3000) budget of the broker reachability probe, in ms. */
const BROKER_PROBE_TIMEOUT_MS = 3000;

/** A TCP connect to the broker first: a missing RabbitMQ is reported at once, before any setup. */
function probeBroker(url: string): Promise<string | undefined> {
  let host = '127.0.0.1';
  let port = DEFAULT_AMQP_URL_PORT;
  try {
    const endpoint = amqpEndpoint(new URL(url));
    host = endpoint.host || host;
    port = endpoint.port;
  } catch {
    return Promise.resolve('not a URL');
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: BROKER_PROBE_TIMEOUT_MS });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done('timed out'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

async function startEmulatorOrExplain(o: DemoOptions): Promise<RunningEmulator> {
  const problem = o.brokerUrl === undefined ? undefined : await probeBroker(o.brokerUrl);
  if (o.brokerUrl !== undefined && problem !== undefined) {
    throw new AmpError(
      'BROKER_UNREACHABLE',
      `no RabbitMQ answers at ${redactUrls(o.brokerUrl)} (${problem}): the demo needs one`,
      {
        hint: DEMO_BROKER_HINT,
      },
    );
  }
  try {
    return await startEmulator({
      ...(o.brokerUrl === undefined ? {} : { brokerUrl: o.brokerUrl }),
      ...(o.managementUrl === undefined ? {} : { managementUrl: o.managementUrl }),
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    });
  } catch (e) {
    if (isAmpError(e, 'BROKER_UNREACHABLE')) {
      throw new AmpError('BROKER_UNREACHABLE', `${e.message}: the demo needs a local RabbitMQ`, {
        cause: e,
        hint: DEMO_BROKER_HINT,
      });
    }
    throw toAmpError(e, 'EMULATOR');
  }
}

const DEMO_BROKER_HINT =
  'start it with `rabbitmq-server -detached`, point the demo at another with --broker-url amqp://user:pass@host:5672, or leave out --broker-url (and AMPSTREAM_BROKER_URL) to use the built-in broker';

/** Publish `rate` events per second through the emulator, in ticks; returns the stop function. */
function publishAtRate(emu: RunningEmulator, rate: number, onError: (e: Error) => void): () => void {
  let owed = 0;
  let busy = false;
  const timer = setInterval(() => {
    owed += (rate * TICK_MS) / 1000;
    const n = Math.floor(owed);
    if (n === 0 || busy) return;
    owed -= n;
    busy = true;
    emu.publishBulk(n).then(
      () => (busy = false),
      (e: unknown) => {
        busy = false;
        onError(toAmpError(e));
      },
    );
  }, TICK_MS);
  return () => clearInterval(timer);
}

/** Show that a secret exists without showing any of it: only its length. */
function mask(secret: string | null | undefined): string {
  if (secret === undefined || secret === null || secret === '') return '(none)';
  return `******** (${secret.length} chars)`;
}
