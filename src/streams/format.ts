import type { StreamView } from './view.js';

/**
 * Pure text for the stream commands (tables are laid out by the CLI). Passwords never pass
 * through here: a view has none.
 */

/** (default=3) names shown in a table cell before "+N more" */
export const MAX_NAMES_IN_CELL = 3;

function listCell(names: readonly string[], max: number): string {
  if (names.length === 0) return 'all';
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} +${names.length - max} more`;
}

export function eventTypesCell(view: StreamView, max = MAX_NAMES_IN_CELL): string {
  return listCell(
    view.eventTypes.map((t) => t.name ?? String(t.id)),
    max,
  );
}

export function groupsCell(view: StreamView, max = MAX_NAMES_IN_CELL): string {
  return listCell(
    view.groups.map((g) => g.name ?? g.guid),
    max,
  );
}

export function credentialsCell(view: StreamView): string {
  switch (view.credentials) {
    case 'stored':
      return 'yes';
    case 'missing':
      return 'no';
    case 'stale':
      return 'no (stale entry)';
    case 'unknown':
      return '? (vault locked)';
  }
}

export const STREAM_TABLE_HEADERS = ['ID', 'NAME', 'EVENT TYPES', 'GROUPS', 'CREDS HELD'] as const;

export function streamTableRows(views: readonly StreamView[]): string[][] {
  return views.map((v) => [String(v.id), v.name, eventTypesCell(v), groupsCell(v), credentialsCell(v)]);
}

export function amqpEndpoint(view: StreamView): string {
  const scheme = /^(amqp|http)$/i.test(view.amqp.proto.trim()) ? 'amqp' : 'amqps';
  return `${scheme}://${view.amqp.user}@${view.amqp.host}:${view.amqp.port}`;
}

export function credentialsSentence(view: StreamView): string {
  switch (view.credentials) {
    case 'stored':
      return `stored in the vault (use vault:${view.vaultEntry ?? `stream/${view.id}`})`;
    case 'missing':
      return 'NOT held locally: Cisco shows a stream password only at creation; to consume this stream, delete it and create it again with ampstream';
    case 'stale':
      return 'NOT usable: the vault entry belongs to another AMQP user (another API reused this id); delete and recreate the stream to get credentials';
    case 'unknown':
      return 'unknown: the vault could not be opened';
  }
}

/** The `streams show` block: one "key  value" line per field. */
export function streamDetails(view: StreamView): string {
  const types =
    view.eventTypes.length === 0
      ? ['all']
      : view.eventTypes.map((t) => (t.name === undefined ? String(t.id) : `${t.name} (${t.id})`));
  const groups =
    view.groups.length === 0
      ? ['all']
      : view.groups.map((g) => (g.name === undefined ? g.guid : `${g.name} (${g.guid})`));
  const rows: [string, string][] = [
    ['id', String(view.id)],
    ['name', view.name],
    ...types.map((t, i): [string, string] => [i === 0 ? 'event types' : '', t]),
    ...groups.map((g, i): [string, string] => [i === 0 ? 'groups' : '', g]),
    ['amqp', amqpEndpoint(view)],
    ['queue', view.amqp.queue],
    ['credentials', credentialsSentence(view)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n');
}
