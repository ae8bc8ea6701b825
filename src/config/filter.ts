import { z } from 'zod';
import { EVENT_TYPES } from '../event/catalog.js';
import type { SecureEndpointEvent } from '../event/types.js';

/**
 * Per-sink event filter (the `filter:` block of a sink). The same logic as the Cisco events
 * API (docs/secure-endpoint-api.md §3.5): criteria of different kinds are ANDed, values of one kind ORed.
 * An empty or absent filter passes everything.
 *
 *   eventTypes: ids (1090519054) or names ("Threat Detected"; former names accepted)
 *   severities: Low | Medium | High | Critical (case-insensitive); events without a
 *               severity do not match a severity filter
 *   groups:     group GUIDs (or names, resolved to GUIDs through the API before compiling)
 *   hostnames:  computer.hostname, case-insensitive, `*` matches any run of characters
 */

export const severities = ['Low', 'Medium', 'High', 'Critical'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

const typeIdByName = new Map<string, number>();
for (const t of EVENT_TYPES) {
  typeIdByName.set(t.name.toLowerCase(), t.id);
  if (t.formerName !== undefined) typeIdByName.set(t.formerName.toLowerCase(), t.id);
}

/** An event type id from an id or a name; undefined when the name is unknown. */
export function eventTypeId(ref: number | string): number | undefined {
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref)) return Number(ref);
  return typeIdByName.get(ref.trim().toLowerCase());
}

const eventTypeRef = z.union([z.number().int().positive(), z.string().min(1)]).superRefine((v, ctx) => {
  if (eventTypeId(v) === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown event type ${JSON.stringify(v)}: see \`ampstream event-types\``,
    });
  }
});

const severity = z.string().superRefine((v, ctx) => {
  if (!severities.some((s) => s.toLowerCase() === v.toLowerCase())) {
    ctx.addIssue({
      code: 'custom',
      message: `Invalid option: expected one of ${severities.map((s) => `"${s}"`).join('|')}`,
    });
  }
});

export const filterSchema = z
  .strictObject({
    eventTypes: z.array(eventTypeRef).min(1).optional(),
    severities: z.array(severity).min(1).optional(),
    groups: z.array(z.string().min(1)).min(1).optional().meta({ description: 'group GUIDs or names' }),
    hostnames: z.array(z.string().min(1)).min(1).optional().meta({ description: '`*` is a wildcard' }),
  })
  .meta({ description: 'AND across kinds, OR within a kind' });

export type FilterConfig = z.output<typeof filterSchema>;

export type EventPredicate = (event: SecureEndpointEvent) => boolean;

/**
 * Compile a filter to a predicate. `groupGuids` are the filter's groups already resolved to
 * GUIDs (names need the API: see `resolveGroupNames`); when omitted, `filter.groups` must
 * hold GUIDs only. Returns undefined when the filter passes everything (no per-event cost).
 */
export function compileFilter(
  filter: FilterConfig | undefined,
  groupGuids?: readonly string[],
): EventPredicate | undefined {
  if (filter === undefined) return undefined;
  const checks: EventPredicate[] = [];
  if (filter.eventTypes !== undefined) {
    const ids = new Set(
      filter.eventTypes.map((t) => eventTypeId(t)).filter((t): t is number => t !== undefined),
    );
    checks.push((e) => ids.has(e.event_type_id));
  }
  if (filter.severities !== undefined) {
    const wanted = new Set(filter.severities.map((s) => s.toLowerCase()));
    checks.push((e) => typeof e.severity === 'string' && wanted.has(e.severity.toLowerCase()));
  }
  const guids = groupGuids ?? filter.groups;
  if (guids !== undefined) {
    const wanted = new Set(guids.map((g) => g.toLowerCase()));
    checks.push(
      (e) => Array.isArray(e.group_guids) && e.group_guids.some((g) => wanted.has(String(g).toLowerCase())),
    );
  }
  if (filter.hostnames !== undefined) {
    const patterns = filter.hostnames.map(globToRegExp);
    checks.push((e) => {
      const host = e.computer?.hostname;
      return typeof host === 'string' && patterns.some((p) => p.test(host));
    });
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (e) => checks.every((c) => c(e));
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Group names in a filter (entries that are not GUIDs): these need the API to resolve. */
export function groupNamesIn(filter: FilterConfig | undefined): string[] {
  return (filter?.groups ?? []).filter((g) => !isGuid(g));
}
