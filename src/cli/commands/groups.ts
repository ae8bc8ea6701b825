import type { Command } from '@commander-js/extra-typings';
import type { ApiGroup } from '../../api/types.js';
import { VaultSession } from '../../secrets/session.js';
import { addConnectionOptions, connect } from '../connection.js';
import { printData, table } from '../output.js';

/** `ampstream groups [--name N]`: computer groups (`/v1/groups`, every page), for --group. */
export function registerGroups(program: Command): void {
  addConnectionOptions(
    program
      .command('groups')
      .description('list computer groups (GUIDs for --group)')
      .option('--name <name>', 'only groups matching this name')
      .option('--json', 'print JSON'),
  ).action(async (opts) => {
    const client = await connect(opts, { vault: new VaultSession() });
    try {
      const groups: ApiGroup[] = [];
      for await (const g of client.groups(opts.name === undefined ? {} : { name: opts.name })) groups.push(g);
      printData(opts.json === true, groups, () =>
        table(
          ['GUID', 'NAME', 'DESCRIPTION'],
          groups.map((g) => [g.guid, g.name, typeof g.description === 'string' ? g.description : '']),
        ),
      );
    } finally {
      await client.close();
    }
  });
}
