import type { EventStream } from '../api/types.js';
import { AmpError, toAmpError } from '../errors.js';
import { createStream, recoveredError, unstoredCredentialsNotice } from './create.js';
import { deleteStream } from './delete.js';
import type { OrgPlan, OrgSnapshot, StreamChange } from './plan.js';
import { pendingChanges } from './plan.js';
import type { StreamsApi, VaultState } from './types.js';

/**
 * Carry out one organisation's plan (docs/fleet.md): deletes first (they free slots under
 * the 5-stream limit), then updates, then creates. A created stream's one-time password is in
 * the vault when `createStream` returns (it refuses to create without a writable vault), so
 * nothing here prints it. The first failure stops this organisation: what was done and what
 * is left are both returned, for the caller to report and to carry on with the next one.
 */

export interface AppliedChange {
  readonly change: StreamChange;
  /** the stream's id (a created stream's new one) */
  readonly id: number;
  /** created: where its credentials are */
  readonly vaultEntry?: string;
}

export interface ApplyOrgResult {
  readonly org: string;
  readonly done: readonly AppliedChange[];
  /** changes not made (after `error`) */
  readonly left: readonly StreamChange[];
  readonly error?: AmpError;
  /**
   * created, but the vault write failed after the POST: the password and how to store it
   * (to print on stderr: Cisco never shows it again)
   */
  readonly unstored?: readonly string[];
}

export interface ApplyDeps {
  readonly vault: VaultState;
}

const ORDER: Record<StreamChange['kind'], number> = {
  delete: 0,
  update: 1,
  create: 2,
  unchanged: 3,
  pinned: 3,
};

export async function applyOrg(
  api: StreamsApi,
  plan: OrgPlan,
  snap: OrgSnapshot,
  deps: ApplyDeps,
): Promise<ApplyOrgResult> {
  const todo = pendingChanges(plan).sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  const done: AppliedChange[] = [];
  const unstored: string[] = [];
  let current: EventStream[] = [...snap.streams];
  for (const [i, change] of todo.entries()) {
    try {
      if (change.kind === 'delete') {
        await deleteStream(api, change.stream, deps.vault);
        current = current.filter((s) => s.id !== change.stream.id);
        done.push({ change, id: change.stream.id });
      } else if (change.kind === 'update') {
        await api.updateEventStream(change.stream.id, {
          eventTypes: change.to.eventTypes.map((t) => t.id),
          groupGuids: change.to.groups.map((g) => g.guid),
        });
        done.push({ change, id: change.stream.id });
      } else if (change.kind === 'create') {
        const outcome = await createStream(
          api,
          {
            name: change.name,
            eventTypes: change.to.eventTypes.map((t) => String(t.id)),
            groups: change.to.groups.map((g) => g.guid),
          },
          {
            vault: deps.vault,
            org: plan.org,
            known: { streams: current, eventTypes: snap.eventTypes, groups: snap.groups },
          },
        );
        if (outcome.status === 'recovered') throw recoveredError(outcome.stream);
        current = [...current, outcome.stream];
        const stored = outcome.stored;
        if (stored !== undefined && 'error' in stored) {
          unstored.push(unstoredCredentialsNotice(outcome.stream, api.baseUrl, stored.error, plan.org).text);
          throw new AmpError(
            stored.error.code,
            `stream ${outcome.stream.id} "${outcome.stream.name}" was created but its password could not be stored`,
            { cause: stored.error, hint: 'the password is printed above with the command that stores it' },
          );
        }
        done.push({
          change,
          id: outcome.stream.id,
          ...(stored !== undefined && 'entry' in stored ? { vaultEntry: stored.entry } : {}),
        });
      }
    } catch (e) {
      return {
        org: plan.org,
        done,
        left: todo.slice(i),
        error: toAmpError(e),
        ...(unstored.length > 0 ? { unstored } : {}),
      };
    }
  }
  return { org: plan.org, done, left: [], ...(unstored.length > 0 ? { unstored } : {}) };
}
