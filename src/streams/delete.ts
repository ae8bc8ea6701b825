import type { EventStream } from '../api/types.js';
import { isAmpError } from '../errors.js';
import { removeStreamCredentials } from '../secrets/credentials.js';
import { resolveStream } from './resolve.js';
import type { StreamsApi, VaultState } from './types.js';

/**
 * Delete a stream (its queue, its AMQP user and every event still queued in it) and its
 * local credentials. `localCredentials` tells what happened to the vault entry.
 */
export interface DeleteStreamOutcome {
  readonly stream: EventStream;
  readonly localCredentials: 'removed' | 'none' | 'kept-vault-unavailable';
}

export async function findStream(api: StreamsApi, ref: string): Promise<EventStream> {
  return resolveStream(ref, await api.eventStreams());
}

export async function deleteStream(
  api: StreamsApi,
  stream: EventStream,
  vault: VaultState,
): Promise<DeleteStreamOutcome> {
  try {
    await api.deleteEventStream(stream.id);
  } catch (e) {
    // gone already (deleted elsewhere between our listing and now): the goal is reached
    if (!isAmpError(e, 'API_NOT_FOUND')) throw e;
  }
  if (vault.kind === 'unavailable') return { stream, localCredentials: 'kept-vault-unavailable' };
  if (vault.kind === 'absent') return { stream, localCredentials: 'none' };
  const removed = await removeStreamCredentials(vault.vault, stream.id);
  return { stream, localCredentials: removed ? 'removed' : 'none' };
}
