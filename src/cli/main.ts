#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ExitCode } from '../errors.js';
import { commands } from './commands/index.js';
import { reportError } from './output.js';
import { buildInfo, formatBuildInfo } from '../build-info.js';

export function buildProgram(): Command {
  const program = new Command('ampstream')
    .description(
      'Cisco Secure Endpoint event streams: manage streams, consume events at least once, deliver them to your tools.',
    )
    .version(
      formatBuildInfo(buildInfo()),
      '-V, --version',
      'print the version, commit, build time and runtime',
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not errors; usage mistakes exit 64 (commander printed why)
      return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    return reportError(e, json);
  }
}

const isEntry = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isEntry || process.env['AMPSTREAM_CLI_ENTRY'] === '1') {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = reportError(e);
    },
  );
}
