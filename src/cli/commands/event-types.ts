import type { Command } from '@commander-js/extra-typings';
import { VaultSession } from '../../secrets/session.js';
import { apiCommand, connect } from '../connection.js';
import { printData, table } from '../output.js';

/** `ampstream event-types`: the tenant's event types (`/v1/event_types`), for --event-type. */
export function registerEventTypes(program: Command): void {
  apiCommand(program, 'event-types', 'list the event types a stream can subscribe to').action(
    async (opts) => {
      const client = await connect(opts, { vault: new VaultSession() });
      try {
        const types = (await client.eventTypes()).sort((a, b) => a.name.localeCompare(b.name));
        printData(opts.json === true, types, () =>
          table(
            ['ID', 'NAME', 'DESCRIPTION'],
            types.map((t) => [String(t.id), t.name, t.description ?? '']),
          ),
        );
      } finally {
        await client.close();
      }
    },
  );
}
