import type { Command } from '@commander-js/extra-typings';
import { ORG_FLAG_HELP } from '../connection.js';
import type { PlanCommandOptions } from './plan-command.js';

/**
 * `ampstream plan [--exit-code]` and `ampstream apply`: declarative streams per organisation
 * (docs/fleet.md). The actions sit in plan-command.ts, loaded when one runs (with src/streams
 * and the API pagination it uses), not for every command.
 */
export function registerPlan(program: Command): void {
  declarativeCommand(
    program,
    'plan',
    'show what `apply` would change in each organisation’s streams (create/update/delete)',
  )
    .option('--allow-delete', 'plan the deletion of streams the config does not declare')
    .option('--exit-code', 'exit 2 when apply would change anything (drift), 0 when not')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { planCommand } = await import('./plan-command.js');
      process.exitCode = await planCommand({ ...declarativeFlags(opts), exitCode: opts.exitCode === true });
    });
  declarativeCommand(
    program,
    'apply',
    'create and update each organisation’s declared streams (passwords stored in the vault first); idempotent',
  )
    .option('--allow-delete', 'also delete streams the config does not declare (and their queued events)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { applyCommand } = await import('./plan-command.js');
      process.exitCode = await applyCommand(declarativeFlags(opts));
    });
}

/** A subcommand that works from the config's declared streams: --config and --org. */
function declarativeCommand(program: Command, name: string, description: string) {
  return program
    .command(name)
    .description(description)
    .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)')
    .option('--org <name>', `only this organisation (${ORG_FLAG_HELP})`);
}

interface DeclarativeFlags {
  readonly config?: string;
  readonly org?: string;
  readonly allowDelete?: true;
  readonly json?: true;
}

function declarativeFlags(opts: DeclarativeFlags): PlanCommandOptions {
  return {
    config: opts.config,
    org: opts.org,
    allowDelete: opts.allowDelete === true,
    json: opts.json === true,
  };
}
