import type { Command } from '@commander-js/extra-typings';
import { addConnectionOptions } from '../connection.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `ampstream backfill --since T [--until T] [--org O] (--org comes with the connection options) [--event-type …] [--group …] [-c config]`:
 * fetch a window of events from `GET /v1/events` and deliver what the streams did not, through
 * the config's sinks, formats and dedup stores; resumable from its checkpoint (docs/backfill.md).
 */
export function registerBackfill(program: Command): void {
  addConnectionOptions(
    program
      .command('backfill')
      .description(
        'deliver a window of past events from /v1/events (what the queue no longer holds) through the configured sinks, skipping what was already delivered',
      )
      .requiredOption(
        '--since <time>',
        'window start, inclusive: ISO 8601 (2026-12-01T00:00:00Z), epoch seconds, or a duration ago (24h, 7d)',
      )
      .option('--until <time>', 'window end, inclusive (default: now, fixed when the job first starts)')
      .option('--event-type <id|name>', 'only these event types (repeatable)', collect)
      .option('--group <guid|name>', 'only events of computers in these groups (repeatable)', collect)
      .option('--page-size <n>', 'events per /v1/events page (1-500, default 500)')
      .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)')
      .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env AMPSTREAM_LOG_LEVEL)')
      .option('--json', 'print the result as JSON'),
  ).action(async (opts) => {
    const { backfillCommand } = await import('./backfill-command.js');
    process.exitCode = await backfillCommand(opts);
  });
}
