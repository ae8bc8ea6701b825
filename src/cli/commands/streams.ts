import { createInterface } from 'node:readline/promises';
import type { Command } from '@commander-js/extra-typings';
import type { SecureEndpointClient } from '../../api/client.js';
import { AmpError, ExitCode } from '../../errors.js';
import { VaultSession } from '../../secrets/session.js';
import type { StreamView } from '../../streams/view.js';
import { addConnectionOptions, apiCommand, connect, type ConnectionFlags } from '../connection.js';
import { notice, printData, table, warn } from '../output.js';

/**
 * `ampstream streams list|show|create|update|delete`: thin wrappers over src/streams. Data
 * (tables, `--json`) on stdout; notices on stderr. `create` stores the one-time AMQP password
 * in the vault before printing anything, and prints it only with --show-password.
 */

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The stream logic (./streams-lib.ts), loaded when a streams subcommand runs. */
type StreamsLib = typeof import('./streams-lib.js');

async function withClient<T>(
  flags: ConnectionFlags,
  vault: VaultSession,
  fn: (client: SecureEndpointClient, s: StreamsLib) => Promise<T>,
): Promise<T> {
  const lib = await import('./streams-lib.js');
  const client = await connect(flags, { vault });
  try {
    return await fn(client, lib);
  } finally {
    await client.close();
  }
}

function noteVaultState(views: readonly StreamView[], vault: VaultSession): Promise<void> {
  return vault.status().then((s) => {
    if (s.kind === 'unavailable' && views.length > 0) {
      notice(
        `note: whether credentials are held locally is unknown: ${s.error.message}${s.error.hint === undefined ? '' : ` (${s.error.hint})`}`,
      );
    }
  });
}

async function confirmDelete(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function registerList(streams: Command): void {
  apiCommand(streams, 'list', 'list the organisation’s event streams').action(async (opts) => {
    const vault = new VaultSession();
    await withClient(opts, vault, async (client, s) => {
      const views = await s.describeStreams(client, await client.eventStreams(), await vault.status());
      await noteVaultState(views, vault);
      if (views.length > 0) notice(`${views.length} of ${s.MAX_STREAMS_PER_ORG} event streams in use`);
      printData(opts.json === true, views, () =>
        views.length === 0
          ? '(no event streams; create one with `ampstream streams create --name NAME`)'
          : table(s.STREAM_TABLE_HEADERS, s.streamTableRows(views)),
      );
    });
  });
}

function registerShow(streams: Command): void {
  apiCommand(streams, 'show', 'show one stream and whether its credentials are held locally')
    .argument('<stream>', 'id or name')
    .action(async (ref, opts) => {
      const vault = new VaultSession();
      await withClient(opts, vault, async (client, s) => {
        const [view] = await s.describeStreams(
          client,
          [await s.findStream(client, ref)],
          await vault.status(),
        );
        if (view === undefined) throw new AmpError('INTERNAL', 'no view for the stream');
        await noteVaultState([view], vault);
        printData(opts.json === true, view, () => s.streamDetails(view));
      });
    });
}

function registerCreate(streams: Command): void {
  addConnectionOptions(
    streams
      .command('create')
      .description('create an event stream and store its one-time AMQP password in the vault')
      .requiredOption('--name <name>', 'stream name (unique in the organisation)')
      .option(
        '--event-type <id|name>',
        'only this event type (repeatable; default: all)',
        collect,
        [] as string[],
      )
      .option(
        '--group <guid|name>',
        'only computers in this group (repeatable; default: all)',
        collect,
        [] as string[],
      )
      .option('--show-password', 'also print the AMQP password (shown by Cisco only this once)')
      .option('--json', 'print JSON'),
  ).action(async (opts) => {
    const vault = new VaultSession();
    await withClient(opts, vault, async (client, s) => {
      const showPassword = opts.showPassword === true;
      const outcome = await s.createStream(
        client,
        { name: opts.name, eventTypes: opts.eventType, groups: opts.group },
        { vault: await vault.statusForWrite(), allowWithoutVault: showPassword, org: opts.org },
      );
      if (outcome.status === 'recovered') throw s.recoveredError(outcome.stream);
      const { stream, stored } = outcome;
      const unstored = stored !== undefined && 'error' in stored ? stored.error : undefined;
      if (unstored !== undefined) {
        // Never lose the one-time password: print it (stderr) with what to do; exit 75.
        process.stderr.write(
          `${s.unstoredCredentialsNotice(stream, client.baseUrl, unstored, opts.org).text}\n`,
        );
        process.exitCode = ExitCode.TEMPFAIL;
      }
      const savedEntry = stored !== undefined && 'entry' in stored ? stored.entry : undefined;
      if (stored !== undefined && 'archivedAs' in stored && stored.archivedAs !== undefined) {
        warn(
          `the vault already held credentials for another stream with id ${stream.id}; they were kept as ${stored.archivedAs}`,
        );
      }
      for (const other of outcome.caseClashes)
        warn(
          `stream ${other.id} is named "${other.name}": the two names differ only in case, so a lookup by name is ambiguous to a reader; use ids`,
        );
      if (showPassword) warn('the AMQP password below is shown by Cisco only once; keep it secret');
      const [view] = await s.describeStreams(client, [stream], await vault.status(), { names: false });
      const status = await vault.status();
      const data = {
        id: stream.id,
        name: stream.name,
        eventTypes: outcome.eventTypes.map((t) => ({ id: t.id, name: t.name })),
        groups: outcome.groups.map((g) => ({ guid: g.guid, name: g.name })),
        amqp: view?.amqp,
        credentials:
          savedEntry === undefined
            ? { stored: false, ...(unstored === undefined ? {} : { error: unstored.code }) }
            : {
                stored: true,
                vaultEntry: savedEntry,
                vaultPath: status.kind === 'open' ? status.vault.path : undefined,
              },
        ...(showPassword ? { password: stream.amqp_credentials.password } : {}),
      };
      printData(opts.json === true, data, () =>
        [
          `created stream ${stream.id} "${stream.name}"`,
          `  event types  ${data.eventTypes.length === 0 ? 'all' : data.eventTypes.map((t) => t.name).join(', ')}`,
          `  groups       ${data.groups.length === 0 ? 'all' : data.groups.map((g) => g.name).join(', ')}`,
          ...(view === undefined ? [] : [`  amqp         ${s.amqpEndpoint(view)}  queue ${view.amqp.queue}`]),
          `  credentials  ${savedEntry === undefined ? 'NOT stored in the vault' : `stored in the vault as ${savedEntry}`}`,
          ...(showPassword ? [`  password     ${stream.amqp_credentials.password}`] : []),
        ].join('\n'),
      );
    });
  });
}

function registerUpdate(streams: Command): void {
  addConnectionOptions(
    streams
      .command('update')
      .description('change a stream’s name, event types or groups (credentials stay the same)')
      .argument('<stream>', 'id or name')
      .option('--name <name>', 'new name')
      .option(
        '--event-type <id|name>',
        'subscribe to exactly these event types (repeatable)',
        collect,
        [] as string[],
      )
      .option('--group <guid|name>', 'restrict to exactly these groups (repeatable)', collect, [] as string[])
      .option('--all-event-types', 'subscribe to all event types')
      .option('--all-groups', 'include all groups')
      .option('--json', 'print JSON'),
  ).action(async (ref, opts) => {
    const vault = new VaultSession();
    await withClient(opts, vault, async (client, s) => {
      const { after } = await s.updateStream(client, ref, {
        ...(opts.name === undefined ? {} : { name: opts.name }),
        eventTypes: opts.eventType,
        groups: opts.group,
        allEventTypes: opts.allEventTypes === true,
        allGroups: opts.allGroups === true,
      });
      const [view] = await s.describeStreams(client, [after], await vault.status());
      if (view === undefined) throw new AmpError('INTERNAL', 'no view for the stream');
      notice(`updated stream ${after.id}`);
      printData(opts.json === true, view, () => s.streamDetails(view));
    });
  });
}

function registerDelete(streams: Command): void {
  apiCommand(
    streams,
    'delete',
    'delete a stream, its queue (with any events still in it) and its local credentials',
  )
    .argument('<stream>', 'id or name')
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref, opts) => {
      const vault = new VaultSession();
      await withClient(opts, vault, async (client, s) => {
        const stream = await s.findStream(client, ref);
        if (opts.yes !== true) {
          if (process.stdin.isTTY !== true) {
            throw new AmpError(
              'USAGE',
              `refusing to delete stream ${stream.id} ("${stream.name}") without confirmation`,
              { hint: 'pass --yes' },
            );
          }
          if (
            !(await confirmDelete(
              `Delete stream ${stream.id} "${stream.name}" and every event still queued in it? [y/N] `,
            ))
          ) {
            notice('not deleted');
            return;
          }
        }
        const outcome = await s.deleteStream(client, stream, await vault.status());
        const local = {
          removed: 'its credentials were removed from the vault',
          none: 'no local credentials were held',
          'kept-vault-unavailable': 'the vault could not be opened, so its entry (if any) is still there',
        }[outcome.localCredentials];
        notice(`deleted stream ${stream.id} "${stream.name}"; ${local}`);
        if (opts.json === true)
          printData(
            true,
            { deleted: { id: stream.id, name: stream.name }, localCredentials: outcome.localCredentials },
            () => '',
          );
      });
    });
}

export function registerStreams(program: Command): void {
  const streams = program.command('streams').description('manage event streams (at most 5 per organisation)');
  registerList(streams);
  registerShow(streams);
  registerCreate(streams);
  registerUpdate(streams);
  registerDelete(streams);
}
