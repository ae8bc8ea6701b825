import { Option, type Command } from '@commander-js/extra-typings';

/**
 * `ampstream demo` — the README's first command. The seed tech note, end to end, against the
 * built-in emulator (in memory, nothing written to disk, no vault passphrase):
 *   1. API credentials   2. POST /v1/event_streams → 201   3. amqp_credentials (the one-time
 *   password kept in memory only)   4. amqps connect, passive declare, consume   5. events live,
 *   acked once shown   6. Ctrl+C: drain, DELETE the stream, close.
 */

/** (default=5) generated events per second. */
export const DEFAULT_DEMO_RATE = 5;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'watch events flow end to end from the built-in Secure Endpoint emulator (nothing to install: it has its own broker)',
    )
    .addOption(
      new Option('--rate <n>', `events per second (default: ${DEFAULT_DEMO_RATE})`).argParser(Number),
    )
    .addOption(new Option('-n, --count <n>', 'stop after N events').argParser(Number))
    .option('--duration <time>', 'stop after this long (e.g. 30s, 2m)')
    .addOption(
      new Option(
        '--broker-url <url>',
        'a RabbitMQ behind the emulator instead of its built-in broker, e.g. amqp://guest:guest@127.0.0.1:5672',
      ).env('AMPSTREAM_BROKER_URL'),
    )
    .option('--management-url <url>', 'with --broker-url: its management API (per-stream users)')
    .addOption(new Option('--seed <n>', 'event generator seed').argParser(Number))
    .option('--json', 'print raw event JSON lines instead of the human view')
    .option('--no-color', 'no colours')
    .addOption(
      new Option(
        '--dashboard [port]',
        'also serve the live dashboard on 127.0.0.1 (default: a free port)',
      ).argParser(Number),
    )
    .action(async (opts) => {
      const { demoCommand, parseDuration } = await import('./demo-command.js');
      process.exitCode = await demoCommand({
        rate: opts.rate ?? DEFAULT_DEMO_RATE,
        ...(opts.count === undefined ? {} : { count: opts.count }),
        ...(opts.duration === undefined ? {} : { durationMs: parseDuration(opts.duration) }),
        ...(opts.brokerUrl === undefined ? {} : { brokerUrl: opts.brokerUrl }),
        ...(opts.managementUrl === undefined ? {} : { managementUrl: opts.managementUrl }),
        ...(opts.seed === undefined ? {} : { seed: opts.seed }),
        json: opts.json === true,
        color: opts.color,
        ...(opts.dashboard === undefined
          ? {}
          : { dashboardPort: opts.dashboard === true ? 0 : opts.dashboard }),
      });
    });
}
