import { Option, type Command } from '@commander-js/extra-typings';
import type { ConfigFlags } from '../../config/overrides.js';

/**
 * `ampstream run --config ampstream.yaml`: the daemon. One pipeline per stream, the
 * configured sinks, /metrics and /healthz; SIGINT/SIGTERM drain gracefully (exit 0), a second
 * signal exits at once (130); a fatal condition exits with its code (77 access refused,
 * 69 stream deleted or broker unavailable, 78 configuration).
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the daemon: consume the configured streams and deliver every event to the sinks')
    .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env AMPSTREAM_LOG_LEVEL)')
    .option(
      '--metrics-listen <host:port|false>',
      '/metrics and /healthz listener (env AMPSTREAM_METRICS_LISTEN)',
    )
    .option('--batch-max-events <n>', 'events per sink write (env AMPSTREAM_BATCH_MAX_EVENTS)')
    .option('--batch-max-wait-ms <ms>', 'longest wait for a partial batch (env AMPSTREAM_BATCH_MAX_WAIT_MS)')
    .option('--dedup', 'drop events whose id was already delivered (env AMPSTREAM_DEDUP)')
    .option('--no-dedup', 'turn dedup off even if the config enables it')
    .option('--dedup-path <file>', 'dedup store (env AMPSTREAM_DEDUP_PATH)')
    .option('--dead-letter-path <file>', 'dead-letter file (env AMPSTREAM_DEAD_LETTER_PATH)')
    .option('--prefetch <n>', 'unacked deliveries per stream (env AMPSTREAM_PREFETCH)')
    .option('--health-max-sink-retry-seconds <s>', '/healthz: how long a sink may fail before 503')
    .addOption(
      new Option(
        '--stop-after <n>',
        'drain and exit once N events have been acknowledged (benchmarks, batch jobs)',
      ).argParser(Number),
    )
    .addOption(
      new Option(
        '--exit-when-idle <seconds>',
        'drain and exit when nothing arrived for this long (after the backlog)',
      ).argParser(Number),
    )
    .action(async (opts, cmd) => {
      const flags: ConfigFlags = {
        ...(opts.logLevel === undefined ? {} : { logLevel: opts.logLevel }),
        ...(opts.metricsListen === undefined ? {} : { metricsListen: opts.metricsListen }),
        ...(opts.batchMaxEvents === undefined ? {} : { batchMaxEvents: opts.batchMaxEvents }),
        ...(opts.batchMaxWaitMs === undefined ? {} : { batchMaxWaitMs: opts.batchMaxWaitMs }),
        ...(cmd.getOptionValueSource('dedup') === 'cli' ? { dedup: opts.dedup === true } : {}),
        ...(opts.dedupPath === undefined ? {} : { dedupPath: opts.dedupPath }),
        ...(opts.deadLetterPath === undefined ? {} : { deadLetterPath: opts.deadLetterPath }),
        ...(opts.prefetch === undefined ? {} : { prefetch: opts.prefetch }),
        ...(opts.healthMaxSinkRetrySeconds === undefined
          ? {}
          : { maxSinkRetrySeconds: opts.healthMaxSinkRetrySeconds }),
      };
      const { runCommand } = await import('./run-command.js');
      process.exitCode = await runCommand({
        ...(opts.config === undefined ? {} : { path: opts.config }),
        flags,
        ...(opts.stopAfter === undefined ? {} : { stopAfter: opts.stopAfter }),
        ...(opts.exitWhenIdle === undefined ? {} : { exitWhenIdleSeconds: opts.exitWhenIdle }),
      });
    });
}
