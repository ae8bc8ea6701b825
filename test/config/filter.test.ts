import { describe, expect, it } from 'vitest';
import { compileFilter, eventTypeId, groupNamesIn } from '../../src/config/index.js';
import type { SecureEndpointEvent } from '../../src/event/types.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

const events = loadEventFixtures().map((f) => f.decoded.event);
const byName = (n: string): SecureEndpointEvent => {
  const f = loadEventFixtures().find((x) => x.name.startsWith(n));
  if (f === undefined) throw new Error(n);
  return f.decoded.event;
};

describe('sink filters', () => {
  it('pass everything when absent (no predicate at all)', () => {
    expect(compileFilter(undefined)).toBeUndefined();
    expect(compileFilter({})).toBeUndefined();
  });

  it('match event types by id or by current or former name', () => {
    const f = compileFilter({ eventTypes: ['Threat Detected', 553648143, 'Cloud Recall Detection'] })!;
    const kept = events.filter(f).map((e) => e.event_type_id);
    expect(new Set(kept)).toEqual(new Set([1090519054, 553648143, 553648147]));
    expect(eventTypeId('threat quarantined')).toBe(553648143);
  });

  it('AND across kinds and OR within a kind', () => {
    const f = compileFilter({ eventTypes: [1090519054, 553648143], severities: ['medium'] })!;
    expect(f(byName('e01'))).toBe(true);
    expect(f({ ...byName('e01'), severity: 'Low' })).toBe(false);
    expect(f(byName('e08'))).toBe(false);
  });

  it('do not match events without a severity when filtering on severity', () => {
    const f = compileFilter({ severities: ['Low', 'Medium', 'High', 'Critical'] })!;
    expect(f(byName('e08'))).toBe(false);
  });

  it('match groups by GUID, case-insensitively, and events without groups never match', () => {
    const e1 = byName('e01');
    const guid = e1.group_guids?.[0] ?? '';
    const f = compileFilter({ groups: [guid.toUpperCase()] })!;
    expect(f(e1)).toBe(true);
    expect(f(byName('e12'))).toBe(false);
  });

  it('match hostnames with * wildcards, case-insensitively', () => {
    const e1 = byName('e01');
    const host = e1.computer?.hostname ?? '';
    expect(compileFilter({ hostnames: [`${host.slice(0, 3).toLowerCase()}*`] })!(e1)).toBe(true);
    expect(compileFilter({ hostnames: ['nomatch-*'] })!(e1)).toBe(false);
  });

  it('tell which group entries are names that need the API', () => {
    expect(groupNamesIn({ groups: ['Audit', 'd7cf8b98-0000-4ce1-a0e5-d943ed6bab17'] })).toEqual(['Audit']);
  });
});
