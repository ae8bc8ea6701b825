import { listAll } from '../api/pagination.js';
import type { ApiEventType, EventStream } from '../api/types.js';
import { eventTypeById } from '../event/catalog.js';
import { loadStreamCredentials } from '../secrets/credentials.js';
import type { CredentialsStatus, StreamsApi, VaultState } from './types.js';

/**
 * A stream as `streams list` / `streams show` present it: event types and groups with their
 * names, the AMQP endpoint (never the password), and whether credentials are held locally.
 */
export interface StreamView {
  readonly id: number;
  readonly name: string;
  /** empty = all event types */
  readonly eventTypes: readonly { readonly id: number; readonly name?: string }[];
  /** empty = all groups */
  readonly groups: readonly { readonly guid: string; readonly name?: string }[];
  readonly amqp: {
    readonly host: string;
    readonly port: string;
    readonly proto: string;
    readonly queue: string;
    readonly user: string;
  };
  readonly credentials: CredentialsStatus;
  /** the vault entry holding them, when stored */
  readonly vaultEntry?: string;
}

export async function credentialsStatus(vault: VaultState, stream: EventStream): Promise<CredentialsStatus> {
  if (vault.kind === 'absent') return 'missing';
  if (vault.kind === 'unavailable') return 'unknown';
  let stored;
  try {
    stored = await loadStreamCredentials(vault.vault, stream.id);
  } catch {
    return 'stale'; // a damaged entry is not usable
  }
  if (stored === undefined) return 'missing';
  if (stored.password === '' || stored.user_name !== stream.amqp_credentials.user_name) return 'stale';
  return 'stored';
}

export interface DescribeOptions {
  /** look names up through the API (default true); false keeps only ids/GUIDs (+ offline type names) */
  readonly names?: boolean;
}

/** Build views for streams, fetching event type and group names only when they are needed. */
export async function describeStreams(
  api: StreamsApi,
  streams: readonly EventStream[],
  vault: VaultState,
  options: DescribeOptions = {},
): Promise<StreamView[]> {
  const wantNames = options.names ?? true;
  const needTypes = wantNames && streams.some((s) => (s.event_types?.length ?? 0) > 0);
  const needGroups = wantNames && streams.some((s) => (s.group_guids?.length ?? 0) > 0);
  const [types, groups] = await Promise.all([
    needTypes ? api.eventTypes() : Promise.resolve([] as ApiEventType[]),
    needGroups ? listAll(api.groups()) : Promise.resolve([]),
  ]);
  const typeName = new Map(types.map((t) => [t.id, t.name]));
  const groupName = new Map(groups.map((g) => [g.guid, g.name]));
  const views: StreamView[] = [];
  for (const s of streams) {
    const credentials = await credentialsStatus(vault, s);
    views.push({
      id: s.id,
      name: s.name,
      eventTypes: (s.event_types ?? []).map((id) => {
        const name = typeName.get(id) ?? eventTypeById(id)?.name;
        return name === undefined ? { id } : { id, name };
      }),
      groups: (s.group_guids ?? []).map((guid) => {
        const name = groupName.get(guid);
        return name === undefined ? { guid } : { guid, name };
      }),
      amqp: {
        host: s.amqp_credentials.host,
        port: s.amqp_credentials.port,
        proto: s.amqp_credentials.proto,
        queue: s.amqp_credentials.queue_name,
        user: s.amqp_credentials.user_name,
      },
      credentials,
      ...(credentials === 'stored' ? { vaultEntry: `stream/${s.id}` } : {}),
    });
  }
  return views;
}
