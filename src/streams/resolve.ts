import type { ApiEventType, ApiGroup, EventStream } from '../api/types.js';
import { AmpError } from '../errors.js';
import { EVENT_TYPES } from '../event/catalog.js';
import { didYouMean, suggest } from './suggest.js';

/**
 * Name → id resolution for the stream commands: event types (id or name, current or former
 * name, against the tenant's own `/v1/event_types`), groups (GUID or name, against
 * `/v1/groups`), streams (id or name). Unknown values fail before anything is sent, with
 * suggestions.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function norm(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Resolve event type ids or names to the API's event types (order kept, duplicates removed). */
export function resolveEventTypes(inputs: readonly string[], known: readonly ApiEventType[]): ApiEventType[] {
  const byId = new Map(known.map((t) => [t.id, t]));
  const byName = new Map(known.map((t) => [norm(t.name), t]));
  // names that drifted ("Cloud Recall Detection" → "Retrospective Detection"): the offline catalog knows both
  for (const c of EVENT_TYPES) {
    const t = byId.get(c.id);
    if (t !== undefined && c.formerName !== undefined && !byName.has(norm(c.formerName)))
      byName.set(norm(c.formerName), t);
  }
  const out = new Map<number, ApiEventType>();
  for (const input of inputs) {
    const t = /^\d+$/.test(input.trim()) ? byId.get(Number(input.trim())) : byName.get(norm(input));
    if (t === undefined) {
      const hint = didYouMean(
        suggest(
          input,
          known.map((k) => k.name),
        ),
      );
      throw new AmpError('UNKNOWN_EVENT_TYPE', `unknown event type "${input}"${hint}`, {
        details: { input },
        hint: 'list them with `ampstream event-types`; give ids or exact names (quote names with spaces)',
      });
    }
    out.set(t.id, t);
  }
  return [...out.values()];
}

/** Resolve group GUIDs or names to the API's groups. A name shared by several groups must be given as a GUID. */
export function resolveGroups(inputs: readonly string[], known: readonly ApiGroup[]): ApiGroup[] {
  const out = new Map<string, ApiGroup>();
  for (const input of inputs) {
    const text = input.trim();
    let g: ApiGroup | undefined;
    if (GUID.test(text)) {
      g = known.find((k) => k.guid.toLowerCase() === text.toLowerCase());
    } else {
      const same = known.filter((k) => norm(k.name) === norm(text));
      if (same.length > 1) {
        throw new AmpError('UNKNOWN_GROUP', `${same.length} groups are named "${input}"`, {
          details: { input, guids: same.map((s) => s.guid) },
          hint: `give the GUID instead: ${same.map((s) => s.guid).join(', ')}`,
        });
      }
      g = same[0];
    }
    if (g === undefined) {
      const hint = GUID.test(text)
        ? ''
        : didYouMean(
            suggest(
              input,
              known.map((k) => k.name),
            ),
          );
      throw new AmpError('UNKNOWN_GROUP', `unknown group "${input}"${hint}`, {
        details: { input },
        hint: 'list them with `ampstream groups`; give GUIDs or exact names',
      });
    }
    out.set(g.guid, g);
  }
  return [...out.values()];
}

/** A stream by id, exact name, or case-insensitive name. */
export function resolveStream(ref: string, streams: readonly EventStream[]): EventStream {
  const text = ref.trim();
  const byId = /^\d+$/.test(text) ? streams.find((s) => s.id === Number(text)) : undefined;
  if (byId !== undefined) return byId;
  const exact = streams.filter((s) => s.name === text);
  if (exact.length === 1 && exact[0] !== undefined) return exact[0];
  const loose = streams.filter((s) => norm(s.name) === norm(text));
  if (exact.length === 0 && loose.length === 1 && loose[0] !== undefined) return loose[0];
  if (exact.length > 1 || loose.length > 1) {
    throw new AmpError('UNKNOWN_STREAM', `several streams are named "${ref}"`, {
      hint: `use the id: ${(exact.length > 1 ? exact : loose).map((s) => s.id).join(', ')}`,
    });
  }
  const existing =
    streams.length === 0
      ? 'this organisation has no event streams; create one with `ampstream streams create --name NAME`'
      : `existing streams: ${streams.map((s) => `${s.id} (${s.name})`).join(', ')}`;
  if (/^\d+$/.test(text)) {
    // an id that is not there is the API's 404: the stream was deleted (or never existed)
    throw new AmpError('API_NOT_FOUND', `no event stream with id ${text}`, {
      details: { input: ref },
      hint: `it was deleted or never existed; ${existing}`,
    });
  }
  const hint = didYouMean(
    suggest(
      text,
      streams.map((s) => s.name),
    ),
  );
  throw new AmpError('UNKNOWN_STREAM', `no event stream "${ref}"${hint}`, {
    details: { input: ref },
    hint: existing,
  });
}
