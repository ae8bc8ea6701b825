import { Option, type Command } from '@commander-js/extra-typings';
import { DEFAULT_PREFETCH } from '../../config/defaults.js';

/**
 * `ampstream tail <stream>`: watch a stream live, one readable line per event (or `--json`:
 * the raw event bytes, one per line). Non-destructive by default: a **peek** acks nothing and
 * everything goes back to the queue on exit, so a production consumer loses nothing;
 * `--consume` acks each event once its line is written.
 */

export function registerTail(program: Command): void {
  program
    .command('tail')
    .description('watch a stream live (peek by default: nothing is acknowledged)')
    .argument('[stream]', 'stream id or name (credentials from the vault)')
    .option('--consume', 'acknowledge (remove) each event once it is printed')
    .option('--json', 'print each event as its raw JSON bytes, one per line (ids exact)')
    .option('-n, --count <n>', 'stop after N events', (v) => Number(v))
    .option(
      '--prefetch <n>',
      `most events held unacknowledged (peek window) (default: ${DEFAULT_PREFETCH})`,
      (v) => Number(v),
    )
    .addOption(
      new Option('--amqp-url <url>', 'connect to this amqp(s):// URL instead of the vault credentials').env(
        'AMPSTREAM_AMQP_URL',
      ),
    )
    .option('--queue <name>', 'queue to read with --amqp-url (default: event_stream_<stream>)')
    .option('--ca <file>', 'PEM file of an extra CA to trust')
    .option('--insecure', 'DANGER: do not verify the broker certificate')
    .option('--no-color', 'no colours')
    .action(async (stream, opts, cmd) => {
      const fromCommandLine = cmd.getOptionValueSource('amqpUrl') === 'cli';
      const { tailCommand } = await import('./tail-command.js');
      process.exitCode = await tailCommand(stream, { ...opts, amqpUrlOnCommandLine: fromCommandLine });
    });
}
