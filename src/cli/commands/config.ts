import type { Command } from '@commander-js/extra-typings';

/**
 * `ampstream config check [--config FILE]`: validate without running. Exit 0, or 78 with
 * every problem (file:line:col path: message). Secret references are resolved and vault
 * entries looked up, but no value is ever printed.
 * `ampstream config schema`: the JSON Schema of ampstream.yaml, for editors.
 */

export function registerConfig(program: Command): void {
  const config = program.command('config').description('validate ampstream.yaml, or print its JSON Schema');
  config
    .command('check')
    .description(
      'validate a config file without running it: syntax, settings, secret references, vault entries',
    )
    .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)')
    .option('--offline', 'do not resolve secret references or open the vault')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts) => {
      const { checkCommand } = await import('./config-check.js');
      process.exitCode = await checkCommand({
        ...(opts.config === undefined ? {} : { path: opts.config }),
        offline: opts.offline === true,
        json: opts.json === true,
      });
    });
  config
    .command('schema')
    .description('print the JSON Schema of ampstream.yaml (for editor completion and validation)')
    .action(async () => {
      const { printSchema } = await import('./config-check.js');
      printSchema();
    });
}
