import { loadConfig, type AmpstreamConfig, type ConfigFlags, type StreamConfig } from '../../config/index.js';
import { AmpError, ExitCode } from '../../errors.js';
import { openUserVault } from '../../secrets/open.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import type { CredentialVaultReader } from '../../secrets/credentials.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { TelemetryServer } from '../../telemetry/server.js';
import { Daemon } from '../../daemon/daemon.js';
import { resolveGroupsViaApi } from '../../daemon/groups.js';
// pipeline.js, not the pipeline/index.js barrel: that re-exports the SQLite dedup store, whose
// better-sqlite3 and lru-cache a run without dedup never needs (dedup-open.ts loads them)
import { DeliveryPipeline } from '../../pipeline/pipeline.js';
import type { PipelineOptions } from '../../pipeline/types.js';
import { exitSoon, onStopSignals } from '../../daemon/signals.js';
import { watchStopConditions } from '../../daemon/stop.js';
import { reportError } from '../output.js';
import { registeredSinks } from '../../sinks/registry.js';
import type { SinkRecord } from '../../sinks/types.js';
import { RunStateRecorder } from '../../daemon/run-state-recorder.js';
import type { RunStateStore } from '../../pipeline/run-state.js';
import { openRunState, orgOf } from '../../daemon/wiring.js';

/**
 * `ampstream run --config ampstream.yaml`: the daemon. One pipeline per stream, the
 * configured sinks, /metrics and /healthz; SIGINT/SIGTERM drain gracefully (exit 0), a second
 * signal exits at once (130); a fatal condition exits with its code (77 access refused,
 * 69 stream deleted or broker unavailable, 78 configuration).
 */
export interface RunOptions {
  readonly path?: string;
  readonly flags: ConfigFlags;
  readonly stopAfter?: number;
  readonly exitWhenIdleSeconds?: number;
}

export async function runCommand(options: RunOptions): Promise<number> {
  let logger: Logger | undefined;
  let server: TelemetryServer | undefined;
  let daemon: Daemon | undefined;
  let runState: RunStateStore | undefined;
  let recorderToClose: RunStateRecorder | undefined;
  const closeRunState = async (): Promise<void> => {
    await recorderToClose?.close();
    await runState?.close();
  };
  try {
    checkStopOptions(options);
    const { config, path } = await loadConfig({
      factories: registeredSinks,
      flags: options.flags,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    logger = runLogger(config.log.level);
    const metrics = await metricsFor(config.metrics.listen);
    const vault = lazyVault();
    const resolveSecret = createSecretResolver({ vault: openVaultReader() });
    // the HTTP listener, the dashboard and their libraries load only when metrics listen
    const dashboard =
      metrics === undefined
        ? undefined
        : await (await import('../../dashboard/index.js')).dashboardFor(config, { metrics, resolveSecret });
    const resolveGroups = (names: readonly string[]): Promise<ReadonlyMap<string, string>> =>
      resolveGroupsViaApi(names, vault);
    // shared in PostgreSQL with dedup.store postgres or replicas, else the SQLite file
    runState = config.backfill.onStart ? await openRunState(config, resolveSecret) : undefined;
    const recorder = runState === undefined ? undefined : new RunStateRecorder(runState, logger);
    recorderToClose = recorder;
    const onWritten = dashboard?.onWritten;
    if (runState !== undefined && recorder !== undefined) {
      // the backfill's modules (the API client's connection helpers, the backfill source) load only for it
      const { backfillOnStart } = await import('./run-backfill.js');
      await backfillOnStart(config, {
        runState,
        resolveSecret,
        resolveGroups,
        logger,
        ...(metrics === undefined ? {} : { metrics }),
        onWritten: (org, batch) => recorder.record(org, batch),
      });
    }
    const d = new Daemon(config, {
      createPipeline: (o: PipelineOptions) => new DeliveryPipeline(o),
      factories: registeredSinks,
      resolveSecret,
      vault,
      logger,
      ...(metrics === undefined ? {} : { metrics }),
      resolveGroups,
      ...(onWritten === undefined ? {} : { onWritten }),
      ...(recorder === undefined
        ? {}
        : {
            onStreamWritten: (stream: StreamConfig, batch: readonly SinkRecord[]) =>
              recorder.record(orgOf(stream), batch),
          }),
    });
    daemon = d;
    if (config.metrics.listen !== false && metrics !== undefined) {
      const { startTelemetryServer } = await import('../../telemetry/server.js');
      server = await startTelemetryServer({
        ...config.metrics.listen,
        metrics,
        health: () => d.health(),
        logger,
        ...(dashboard === undefined ? {} : { dashboard: (app) => dashboard.mount(app, d) }),
      });
      if (dashboard !== undefined) logger.info({ url: `${server.url}/` }, 'dashboard');
    }
    const log = logger;
    const off = drainOnSignals(d, log);
    log.info(
      { config: path, streams: config.streams.map((s) => s.label), sinks: config.sinks.map((s) => s.name) },
      'starting',
    );
    await d.start();
    log.info('running');
    const stopWatch = drainOnStopConditions(d, options, log);
    const outcome = await d.done;
    stopWatch();
    off();
    await server?.close();
    await closeRunState();
    const code = outcome.kind === 'fatal' ? reportError(outcome.error) : ExitCode.OK;
    log.info({ exitCode: code }, 'stopped');
    log.flush();
    exitSoon(code);
    return code;
  } catch (e) {
    await daemon?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await closeRunState().catch(() => undefined);
    logger?.flush();
    const code = reportError(e);
    exitSoon(code);
    return code;
  }
}

/**
 * The Prometheus registry, only when something can scrape it (`metrics.listen`): prom-client
 * (91 modules with its OpenTelemetry, tdigest and bintrees dependencies) and its default
 * collectors (an event-loop-delay monitor, a GC observer called on every collection) would
 * otherwise load and run for nobody. Without a registry the pipeline's counters are no-ops.
 */
async function metricsFor(listen: AmpstreamConfig['metrics']['listen']): Promise<Metrics | undefined> {
  if (listen === false) return undefined;
  const { createMetrics } = await import('../../telemetry/metrics.js');
  return createMetrics({ defaultMetrics: true });
}

function checkStopOptions(o: RunOptions): void {
  if (o.stopAfter !== undefined && (!Number.isInteger(o.stopAfter) || o.stopAfter < 1)) {
    throw new AmpError('USAGE', '--stop-after must be a positive integer');
  }
  if (o.exitWhenIdleSeconds !== undefined && !(o.exitWhenIdleSeconds > 0)) {
    throw new AmpError('USAGE', '--exit-when-idle must be a positive number of seconds');
  }
}

function runLogger(level: Logger['level']): Logger {
  // an empty AMPSTREAM_LOG_LEVEL means "not set" (the config already validated any other value)
  if (process.env['AMPSTREAM_LOG_LEVEL'] === '') delete process.env['AMPSTREAM_LOG_LEVEL'];
  const logger = createLogger({ level });
  logger.level = level; // flags > env > file: the resolved level wins over the logger's own env lookup
  return logger;
}

/** First SIGINT/SIGTERM: drain; a second one: exit at once (the broker redelivers the unacked). */
function drainOnSignals(d: Daemon, log: Logger): () => void {
  return onStopSignals({
    graceful: (signal) => {
      log.info(
        { signal },
        'draining: finishing in-flight batches, acknowledging what was written, requeueing the rest',
      );
      void d.drain();
    },
    immediate: (signal) => {
      log.warn(
        { signal },
        'second signal: exiting now (unacknowledged events will be redelivered by the broker)',
      );
      log.flush();
      process.exit(ExitCode.INTERRUPTED);
    },
  });
}

/** `--stop-after` and `--exit-when-idle`: drain when one is reached. */
function drainOnStopConditions(d: Daemon, options: RunOptions, log: Logger): () => void {
  return watchStopConditions(d, {
    ...(options.stopAfter === undefined ? {} : { stopAfter: options.stopAfter }),
    ...(options.exitWhenIdleSeconds === undefined ? {} : { idleMs: options.exitWhenIdleSeconds * 1000 }),
    onStop: (reason) => {
      log.info({ reason }, 'stop condition reached: draining');
      void d.drain();
    },
  });
}

function lazyVault(): () => Promise<CredentialVaultReader | undefined> {
  let opened: Promise<CredentialVaultReader | undefined> | undefined;
  return () => (opened ??= openUserVault());
}
