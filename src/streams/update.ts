import { checkStreamName } from './names.js';
import { listAll } from '../api/pagination.js';
import type { EventStream, UpdateEventStreamInput } from '../api/types.js';
import { AmpError } from '../errors.js';
import { resolveEventTypes, resolveGroups, resolveStream } from './resolve.js';
import type { StreamsApi } from './types.js';

/**
 * Change a stream's name, event types or groups (docs/secure-endpoint-api.md §2.5: PATCH any subset; an
 * empty list means "all"). The queue and the AMQP credentials stay the same, so the vault
 * entry remains valid.
 */
export interface UpdateStreamInput {
  readonly name?: string;
  readonly eventTypes?: readonly string[];
  readonly groups?: readonly string[];
  readonly allEventTypes?: boolean;
  readonly allGroups?: boolean;
}

export async function updateStream(
  api: StreamsApi,
  ref: string,
  input: UpdateStreamInput,
): Promise<{ before: EventStream; after: EventStream }> {
  if ((input.eventTypes?.length ?? 0) > 0 && input.allEventTypes === true) {
    throw new AmpError('USAGE', '--event-type and --all-event-types contradict each other');
  }
  if ((input.groups?.length ?? 0) > 0 && input.allGroups === true) {
    throw new AmpError('USAGE', '--group and --all-groups contradict each other');
  }
  const wantTypes = input.eventTypes ?? [];
  const wantGroups = input.groups ?? [];
  const [streams, types, groups] = await Promise.all([
    api.eventStreams(),
    wantTypes.length > 0 ? api.eventTypes() : Promise.resolve([]),
    wantGroups.length > 0 ? listAll(api.groups()) : Promise.resolve([]),
  ]);
  const before = resolveStream(ref, streams);
  const patch: { -readonly [K in keyof UpdateEventStreamInput]: UpdateEventStreamInput[K] } = {};
  if (input.name !== undefined) {
    const name = checkStreamName(input.name);
    const clash = streams.find((s) => s.name === name && s.id !== before.id);
    if (clash !== undefined) {
      throw new AmpError('API_NAME_TAKEN', `another stream (id ${clash.id}) is already named "${name}"`, {
        hint: 'pick another name',
      });
    }
    if (name !== before.name) patch.name = name;
  }
  if (input.allEventTypes === true) patch.eventTypes = [];
  else if (wantTypes.length > 0) patch.eventTypes = resolveEventTypes(wantTypes, types).map((t) => t.id);
  if (input.allGroups === true) patch.groupGuids = [];
  else if (wantGroups.length > 0) patch.groupGuids = resolveGroups(wantGroups, groups).map((g) => g.guid);
  if (Object.keys(patch).length === 0) {
    throw new AmpError('USAGE', 'nothing to change', {
      hint: 'give --name, --event-type, --group, --all-event-types or --all-groups',
    });
  }
  const after = await api.updateEventStream(before.id, patch);
  return { before, after };
}
