import { describe, expect, it } from 'vitest';
import type { ApiEventType, ApiGroup, EventStream } from '../../src/api/types.js';
import { isAmpError } from '../../src/errors.js';
import { resolveEventTypes, resolveGroups, resolveStream } from '../../src/streams/resolve.js';
import { didYouMean, editDistance, suggest } from '../../src/streams/suggest.js';

const TYPES: ApiEventType[] = [
  { id: 1090519054, name: 'Threat Detected' },
  { id: 553648143, name: 'Threat Quarantined' },
  { id: 553648147, name: 'Retrospective Detection' },
  { id: 554696714, name: 'Scan Started' },
  { id: 554696715, name: 'Scan Completed, No Detections' },
];
const GROUPS: ApiGroup[] = [
  { guid: '3f1a9c2e-5b7d-4e21-9a0c-7d5e2b1f8c44', name: 'Audit' },
  { guid: '11111111-2222-4333-8444-555555555555', name: 'Servers' },
  { guid: '66666666-2222-4333-8444-555555555555', name: 'Twins' },
  { guid: '77777777-2222-4333-8444-555555555555', name: 'Twins' },
];
const creds = { user_name: 'u', queue_name: 'q', host: 'h', port: '443', proto: 'https' };
const STREAMS: EventStream[] = [
  { id: 12, name: 'SIEM', amqp_credentials: creds },
  { id: 13, name: 'Splunk', amqp_credentials: creds },
];

function thrown(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    if (isAmpError(e))
      return { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
    throw e;
  }
  throw new Error('expected an error');
}

describe('suggest', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('offers close names first, and names containing the input', () => {
    expect(
      suggest(
        'Threat Detectd',
        TYPES.map((t) => t.name),
      ),
    ).toEqual(['Threat Detected']);
    expect(
      suggest(
        'threat',
        TYPES.map((t) => t.name),
      ),
    ).toEqual(['Threat Detected', 'Threat Quarantined']);
    expect(
      suggest(
        'zzzz',
        TYPES.map((t) => t.name),
      ),
    ).toEqual([]);
    expect(didYouMean(['a', 'b', 'c'])).toBe(' (did you mean "a", "b" or "c"?)');
  });
});

describe('resolveEventTypes', () => {
  it('accepts ids, exact names in any case, and former names', () => {
    const r = resolveEventTypes(
      ['1090519054', 'threat quarantined', 'Cloud Recall Detection', 'Threat Detected'],
      TYPES,
    );
    expect(r.map((t) => t.id)).toEqual([1090519054, 553648143, 553648147]);
  });

  it('keeps names with commas whole', () => {
    expect(resolveEventTypes(['Scan Completed, No Detections'], TYPES).map((t) => t.id)).toEqual([554696715]);
  });

  it('refuses an unknown name with UNKNOWN_EVENT_TYPE and a suggestion', () => {
    const e = thrown(() => resolveEventTypes(['Threat Detectd'], TYPES));
    expect(e.code).toBe('UNKNOWN_EVENT_TYPE');
    expect(e.message).toContain('did you mean "Threat Detected"?');
    expect(e.hint).toContain('ampstream event-types');
  });

  it('refuses an id the tenant does not have', () => {
    expect(thrown(() => resolveEventTypes(['42'], TYPES)).code).toBe('UNKNOWN_EVENT_TYPE');
  });
});

describe('resolveGroups', () => {
  it('accepts GUIDs (any case) and names', () => {
    const r = resolveGroups(['3F1A9C2E-5B7D-4E21-9A0C-7D5E2B1F8C44', 'servers'], GROUPS);
    expect(r.map((g) => g.name)).toEqual(['Audit', 'Servers']);
  });

  it('suggests a close group name', () => {
    const e = thrown(() => resolveGroups(['Servrs'], GROUPS));
    expect(e.code).toBe('UNKNOWN_GROUP');
    expect(e.message).toContain('did you mean "Servers"?');
  });

  it('asks for the GUID when two groups share a name', () => {
    const e = thrown(() => resolveGroups(['Twins'], GROUPS));
    expect(e.code).toBe('UNKNOWN_GROUP');
    expect(e.hint).toContain('66666666-2222-4333-8444-555555555555');
  });

  it('refuses an unknown GUID', () => {
    expect(thrown(() => resolveGroups(['99999999-2222-4333-8444-555555555555'], GROUPS)).code).toBe(
      'UNKNOWN_GROUP',
    );
  });
});

describe('resolveStream', () => {
  it('finds a stream by id or name', () => {
    expect(resolveStream('13', STREAMS).name).toBe('Splunk');
    expect(resolveStream('siem', STREAMS).id).toBe(12);
  });

  it('lists the existing streams and suggests when nothing matches', () => {
    const e = thrown(() => resolveStream('Splnk', STREAMS));
    expect(e.code).toBe('UNKNOWN_STREAM');
    expect(e.message).toContain('did you mean "Splunk"?');
    expect(e.hint).toContain('12 (SIEM)');
  });

  it('reports an id that is not there as API_NOT_FOUND (the stream was deleted)', () => {
    const e = thrown(() => resolveStream('99', STREAMS));
    expect(e.code).toBe('API_NOT_FOUND');
    expect(e.hint).toContain('deleted');
  });
});
