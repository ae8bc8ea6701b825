import type { Command } from '@commander-js/extra-typings';
import pc from 'picocolors';
import type { CheckStatus } from '../../doctor/types.js';
import { addConnectionOptions } from '../connection.js';

const COLOUR: Record<CheckStatus, (t: string) => string> = {
  ok: pc.green,
  warn: pc.yellow,
  fail: pc.red,
  skip: pc.dim,
};

/**
 * `ampstream doctor [--config F] [--json]`: a checklist of everything between this host and
 * events arriving in the sinks (API, credentials, region, clock, vault, each stream, each
 * sink), each line OK / WARN / FAIL with the evidence and the fix. Exit 0 / 1 / 2 for all OK /
 * warnings / failures. Writes no event anywhere.
 */
export function registerDoctor(program: Command): void {
  addConnectionOptions(
    program
      .command('doctor')
      .description(
        'check the setup end to end: API, credentials, clock, vault, streams, sinks (exit 0 ok, 1 warnings, 2 failures)',
      )
      .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)')
      .option(
        '--no-peek',
        "do not peek at each queue's head message (the oldest event's age is then unknown)",
      )
      .option('--timeout-ms <ms>', 'budget of each network step', '5000')
      .option('--json', 'print the checks as JSON'),
  ).action(async (opts) => {
    // the checks (and the sink clients they probe with: pg, nats, undici) load when doctor runs
    const { runDoctor } = await import('./doctor-run.js');
    const { formatReport } = await import('../../doctor/report.js');
    const report = await runDoctor({
      ...(opts.config === undefined ? {} : { configPath: opts.config }),
      connection: opts,
      peek: opts.peek,
      timeoutMs: Number(opts.timeoutMs),
    });
    if (opts.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const tty = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
      process.stdout.write(formatReport(report, tty ? { colour: (s, t) => COLOUR[s](t) } : {}));
    }
    process.exitCode = report.exitCode;
  });
}
