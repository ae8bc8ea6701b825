import { listAll } from '../api/pagination.js';
import type { ApiEventType, ApiGroup, CreatedEventStream, EventStream } from '../api/types.js';
import { AmpError, ExitCode, toAmpError } from '../errors.js';
import { saveStreamCredentials, streamEntryName, type SaveStreamResult } from '../secrets/credentials.js';
import { caseClashes, checkStreamName } from './names.js';
import { resolveEventTypes, resolveGroups } from './resolve.js';
import { MAX_STREAMS_PER_ORG, type StreamsApi, type VaultState } from './types.js';

/**
 * Create an event stream the safe way (docs/secure-endpoint-api.md §5 pitfall 1):
 *   1. resolve event type / group names (unknown → error with suggestions, nothing sent);
 *   2. pre-check the 5-stream limit and the name (clear errors before POSTing);
 *   3. POST once (the client never repeats it blindly);
 *   4. store the one-time AMQP credentials in the vault — before anything is printed: this
 *      function returns only after the vault write has finished (or failed).
 * Without an open vault it refuses, unless `allowWithoutVault` (the CLI's --show-password,
 * where the user takes the password from the screen).
 */
export interface CreateStreamInput {
  readonly name: string;
  /** event type ids or names; empty = all */
  readonly eventTypes?: readonly string[];
  /** group GUIDs or names; empty = all */
  readonly groups?: readonly string[];
}

export interface CreateStreamOptions {
  readonly vault: VaultState;
  readonly allowWithoutVault?: boolean;
  /** the organisation label stored with the credentials (absent: `default`) */
  readonly org?: string | undefined;
  /**
   * (default: fetched) the organisation's streams, event types and groups when the caller
   * already holds them (`apply` reads them once for its plan)
   */
  readonly known?: {
    readonly streams: readonly EventStream[];
    readonly eventTypes: readonly ApiEventType[];
    readonly groups: readonly ApiGroup[];
  };
}

export type CreateStreamOutcome =
  | {
      readonly status: 'created';
      readonly stream: CreatedEventStream;
      readonly eventTypes: readonly ApiEventType[];
      readonly groups: readonly ApiGroup[];
      /** where the credentials were stored, or why they could not be */
      readonly stored: SaveStreamResult | { readonly error: AmpError } | undefined;
      /** other streams whose name differs only in case (a warning, not an error) */
      readonly caseClashes: readonly EventStream[];
    }
  | { readonly status: 'recovered'; readonly stream: EventStream };

function vaultRefusal(vault: Exclude<VaultState, { kind: 'open' }>): AmpError {
  const why = vault.kind === 'unavailable' ? vault.error.message : 'no vault is available';
  return new AmpError(
    vault.kind === 'unavailable' ? vault.error.code : 'VAULT_LOCKED',
    `refusing to create the stream: its one-time password could not be stored (${why})`,
    {
      ...(vault.kind === 'unavailable' ? { cause: vault.error } : {}),
      hint:
        `${vault.kind === 'unavailable' && vault.error.hint !== undefined ? `${vault.error.hint}; ` : ''}` +
        'or pass --show-password to print the password instead of storing it (Cisco shows it only once)',
    },
  );
}

export async function createStream(
  api: StreamsApi,
  input: CreateStreamInput,
  options: CreateStreamOptions,
): Promise<CreateStreamOutcome> {
  const name = checkStreamName(input.name);
  if (options.vault.kind !== 'open' && options.allowWithoutVault !== true) throw vaultRefusal(options.vault);

  const wantTypes = input.eventTypes ?? [];
  const wantGroups = input.groups ?? [];
  const known = options.known;
  const [types, groups, existing] = await Promise.all([
    known !== undefined ? known.eventTypes : wantTypes.length > 0 ? api.eventTypes() : Promise.resolve([]),
    known !== undefined ? known.groups : wantGroups.length > 0 ? listAll(api.groups()) : Promise.resolve([]),
    known !== undefined ? known.streams : api.eventStreams(),
  ]);
  const eventTypes = resolveEventTypes(wantTypes, types);
  const groupList = resolveGroups(wantGroups, groups);

  if (existing.some((s) => s.name === name)) {
    throw new AmpError(
      'API_NAME_TAKEN',
      `a stream named "${name}" already exists (id ${existing.find((s) => s.name === name)?.id})`,
      {
        hint: 'pick another name, or use `ampstream streams show` / `streams update` on the existing one',
      },
    );
  }
  if (existing.length >= MAX_STREAMS_PER_ORG) {
    throw new AmpError(
      'API_STREAM_LIMIT',
      `the organisation already has ${existing.length} event streams (at most ${MAX_STREAMS_PER_ORG})`,
      {
        details: { streams: existing.map((s) => ({ id: s.id, name: s.name })) },
        hint: `delete one first (\`ampstream streams delete <id>\`): ${existing.map((s) => `${s.id} (${s.name})`).join(', ')}`,
      },
    );
  }

  // The vault must take a write now, before Cisco hands out a password it shows only once:
  // a lock held elsewhere, a full disk or a read-only directory refuse here, nothing created.
  if (options.vault.kind === 'open') {
    try {
      await options.vault.vault.update(() => undefined);
    } catch (e) {
      const err = toAmpError(e);
      throw new AmpError(
        err.code,
        `refusing to create the stream: the vault cannot be written (${err.message})`,
        {
          cause: err,
          details: err.details,
          hint: `${err.hint !== undefined ? `${err.hint}; ` : ''}nothing was created`,
        },
      );
    }
  }

  const result = await api.createEventStream({
    name,
    eventTypes: eventTypes.map((t) => t.id),
    groupGuids: groupList.map((g) => g.guid),
  });
  if (result.status === 'recovered') return { status: 'recovered', stream: result.stream };

  const stream = result.stream;
  let stored: SaveStreamResult | { error: AmpError } | undefined;
  if (options.vault.kind === 'open') {
    try {
      stored = await saveStreamCredentials(options.vault.vault, stream.id, {
        apiBase: api.baseUrl,
        ...(options.org === undefined ? {} : { org: options.org }),
        ...stream.amqp_credentials,
        name: stream.name,
      });
    } catch (e) {
      stored = { error: toAmpError(e) };
    }
  }
  return {
    status: 'created',
    stream,
    eventTypes,
    groups: groupList,
    stored,
    caseClashes: caseClashes(name, existing),
  };
}

/**
 * What to print (on stderr) when a stream was created but its credentials could not be
 * stored: the password itself — Cisco never shows it again — with the vault entry ready to
 * be stored by hand once the vault is fixed.
 */
export function unstoredCredentialsNotice(
  stream: CreatedEventStream,
  apiBase: string,
  error: AmpError,
  org?: string,
): { readonly entry: string; readonly value: string; readonly text: string } {
  const entry = streamEntryName(stream.id);
  const value = JSON.stringify({
    apiBase,
    ...(org === undefined || org === 'default' ? {} : { org }),
    ...stream.amqp_credentials,
    port: String(stream.amqp_credentials.port),
    name: stream.name,
    savedAt: new Date().toISOString(),
  });
  const text = [
    `WARNING: stream ${stream.id} ("${stream.name}") was created, but its one-time AMQP password could not be stored in the vault:`,
    `  ${error.message}`,
    `Cisco will not show this password again. It is printed here instead; keep it secret:`,
    `  user      ${stream.amqp_credentials.user_name}`,
    `  password  ${stream.amqp_credentials.password}`,
    `Once the vault can be written (${error.hint ?? 'see the error above'}), store it with:`,
    `  ampstream vault set ${entry} <<'EOF'`,
    `  ${value}`,
    `  EOF`,
    `(or delete the stream, \`ampstream streams delete ${stream.id} --yes\`, and create it again)`,
  ].join('\n');
  return { entry, value, text };
}

/** The error a caller raises for a `recovered` outcome: created, but the password is lost. */
export function recoveredError(stream: EventStream): AmpError {
  return new AmpError(
    'API_AMBIGUOUS_CREATE',
    `stream "${stream.name}" (id ${stream.id}) was created, but the answer carrying its one-time password was lost`,
    {
      exitCode: ExitCode.TEMPFAIL,
      details: { id: stream.id, name: stream.name },
      hint: `Cisco cannot show the password again: delete it (\`ampstream streams delete ${stream.id} --yes\`) and create it again`,
    },
  );
}
