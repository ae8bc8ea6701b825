import type { ApiEventType, ApiGroup, EventStream } from '../api/types.js';
import { AmpError, toAmpError } from '../errors.js';
import { checkStreamName } from './names.js';
import { resolveEventTypes, resolveGroups } from './resolve.js';
import { MAX_STREAMS_PER_ORG } from './types.js';

/**
 * Declarative streams (docs/fleet.md): the streams an organisation should have, compared with
 * what it has, as a list of changes. Pure: the caller reads the organisation once (streams,
 * event types, groups) and hands it in; nothing here talks to the API. Every check that can
 * refuse (unknown event type or group, a name clash, the 5-stream limit) runs here, so a
 * refused plan sends nothing.
 */

/** One declared stream: its name, event types and groups by name or id (empty = all). */
export interface DesiredStream {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly groups: readonly string[];
}

/** What the organisation holds now (read before planning). */
export interface OrgSnapshot {
  readonly streams: readonly EventStream[];
  readonly eventTypes: readonly ApiEventType[];
  readonly groups: readonly ApiGroup[];
}

/** A stream's filters, resolved: empty lists mean "all". */
export interface Filters {
  readonly eventTypes: readonly ApiEventType[];
  readonly groups: readonly ApiGroup[];
}

export type StreamChange =
  | { readonly kind: 'create'; readonly name: string; readonly to: Filters }
  | {
      readonly kind: 'update';
      readonly stream: EventStream;
      readonly from: Filters;
      readonly to: Filters;
    }
  | { readonly kind: 'unchanged'; readonly stream: EventStream }
  /** not declared: deleted with --allow-delete, else only listed */
  | { readonly kind: 'delete'; readonly stream: EventStream; readonly allowed: boolean }
  /** consumed by id in the config: never touched by apply */
  | { readonly kind: 'pinned'; readonly stream: EventStream };

export interface OrgPlan {
  readonly org: string;
  readonly changes: readonly StreamChange[];
}

export interface PlanOptions {
  readonly allowDelete: boolean;
  /** ids of this organisation's streams the config consumes by `id` (left alone) */
  readonly pinnedIds?: readonly string[];
}

function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** The current filters of a stream, as event types and groups (unknown ids kept by id). */
function currentFilters(s: EventStream, snap: OrgSnapshot): Filters {
  const types = (s.event_types ?? []).map(
    (id) => snap.eventTypes.find((t) => t.id === id) ?? { id, name: String(id) },
  );
  const groups = (s.group_guids ?? []).map(
    (guid) => snap.groups.find((g) => g.guid.toLowerCase() === guid.toLowerCase()) ?? { guid, name: guid },
  );
  return { eventTypes: types, groups };
}

function refused(
  org: string,
  message: string,
  hint: string,
  code: 'API_NAME_TAKEN' | 'API_STREAM_LIMIT',
): AmpError {
  return new AmpError(code, `organisation ${org}: ${message}`, { hint, details: { org } });
}

/**
 * The changes that bring `snap` to `desired`. Throws (nothing sent) on an unknown event type
 * or group, a name clash, or more than 5 streams after the changes.
 */
export function planOrg(
  org: string,
  desired: readonly DesiredStream[],
  snap: OrgSnapshot,
  options: PlanOptions,
): OrgPlan {
  const pinned = new Set(options.pinnedIds ?? []);
  const changes: StreamChange[] = [];
  const claimed = new Set<number>();
  const lowerNames = new Map<string, string>();
  for (const d of desired) {
    const name = checkStreamName(d.name);
    const lower = name.toLowerCase();
    const other = lowerNames.get(lower);
    if (other !== undefined)
      throw refused(
        org,
        `the declared streams "${other}" and "${name}" differ only in case`,
        'give them names that differ in more than case: a lookup by name would be ambiguous',
        'API_NAME_TAKEN',
      );
    lowerNames.set(lower, name);
    let to: Filters;
    try {
      to = {
        eventTypes: resolveEventTypes(d.eventTypes, snap.eventTypes),
        groups: resolveGroups(d.groups, snap.groups),
      };
    } catch (e) {
      const err = toAmpError(e);
      throw new AmpError(err.code, `organisation ${org}, stream "${name}": ${err.message}`, {
        cause: err,
        details: { ...err.details, org },
        ...(err.hint === undefined ? {} : { hint: err.hint }),
      });
    }
    const same = snap.streams.filter((s) => s.name === name);
    const caseOnly = snap.streams.filter((s) => s.name !== name && s.name.toLowerCase() === lower);
    if (same.length > 1)
      throw refused(
        org,
        `${same.length} streams are named "${name}" (ids ${same.map((s) => s.id).join(', ')})`,
        'delete the extra ones (`ampstream streams delete ID --org ORG`) so the name says which one is meant',
        'API_NAME_TAKEN',
      );
    const existing = same[0];
    if (existing !== undefined && pinned.has(String(existing.id)))
      throw refused(
        org,
        `the declared stream "${name}" has the name of stream ${existing.id}, which the config consumes by id`,
        'rename the declared stream, or drop `id` from the other entry and declare it by name',
        'API_NAME_TAKEN',
      );
    if (existing === undefined && caseOnly[0] !== undefined)
      throw refused(
        org,
        `the declared stream "${name}" differs only in case from stream ${caseOnly[0].id} "${caseOnly[0].name}"`,
        'use the existing name exactly, or another name',
        'API_NAME_TAKEN',
      );
    if (existing === undefined) {
      changes.push({ kind: 'create', name, to });
      continue;
    }
    claimed.add(existing.id);
    const from = currentFilters(existing, snap);
    const differs =
      !sameSet(
        from.eventTypes.map((t) => t.id),
        to.eventTypes.map((t) => t.id),
      ) ||
      !sameSet(
        from.groups.map((g) => g.guid.toLowerCase()),
        to.groups.map((g) => g.guid.toLowerCase()),
      );
    changes.push(
      differs ? { kind: 'update', stream: existing, from, to } : { kind: 'unchanged', stream: existing },
    );
  }
  for (const s of snap.streams) {
    if (claimed.has(s.id)) continue;
    changes.push(
      pinned.has(String(s.id))
        ? { kind: 'pinned', stream: s }
        : { kind: 'delete', stream: s, allowed: options.allowDelete },
    );
  }
  const after = changes.filter((c) => c.kind !== 'delete' || !c.allowed).length;
  if (after > MAX_STREAMS_PER_ORG) {
    const creates = changes.filter((c) => c.kind === 'create').length;
    const kept = changes.filter((c) => c.kind === 'delete' && !c.allowed);
    throw refused(
      org,
      `${after} event streams after apply (${after - creates} kept, ${creates} to create): at most ${MAX_STREAMS_PER_ORG} per organisation`,
      kept.length > 0
        ? `streams not declared are kept without --allow-delete: ${kept.map((c) => (c.kind === 'delete' ? `${c.stream.id} (${c.stream.name})` : '')).join(', ')}; declare fewer streams or pass --allow-delete`
        : `declare at most ${MAX_STREAMS_PER_ORG} streams for this organisation`,
      'API_STREAM_LIMIT',
    );
  }
  return { org, changes };
}

/** Changes apply would make (pinned, unchanged and not-allowed deletes are not). */
export function pendingChanges(plan: OrgPlan): StreamChange[] {
  return plan.changes.filter(
    (c) => c.kind === 'create' || c.kind === 'update' || (c.kind === 'delete' && c.allowed),
  );
}
