import type { SecureEndpointClient } from '../api/client.js';
import type { AmpError } from '../errors.js';
import type { CredentialVault } from '../secrets/credentials.js';

/** What the stream operations need from the API client (a real client, or a test double). */
export type StreamsApi = Pick<
  SecureEndpointClient,
  | 'baseUrl'
  | 'eventTypes'
  | 'groups'
  | 'eventStreams'
  | 'eventStream'
  | 'createEventStream'
  | 'updateEventStream'
  | 'deleteEventStream'
>;

/**
 * The local vault as the stream operations see it: open, absent (no file yet: nothing is
 * stored), or unavailable (locked: no passphrase, wrong passphrase, damaged) with the reason.
 */
export type VaultState =
  | { readonly kind: 'open'; readonly vault: CredentialVault }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unavailable'; readonly error: AmpError };

/**
 * Whether usable AMQP credentials for a stream are held locally:
 * - `stored`: the vault has `stream/<id>` for this stream's AMQP user, with a password;
 * - `missing`: nothing stored (the password can only be had by recreating the stream);
 * - `stale`: an entry exists but for another AMQP user (another API reused the id);
 * - `unknown`: the vault could not be opened, so we cannot tell.
 */
export type CredentialsStatus = 'stored' | 'missing' | 'stale' | 'unknown';

/** Maximum event streams per organisation (docs/secure-endpoint-api.md §2.7). */
export const MAX_STREAMS_PER_ORG = 5;
