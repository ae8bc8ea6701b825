import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/event/catalog.js';
import { leftovers } from '../../src/formats/leftovers.js';
import { prettyJson } from '../../src/formats/pretty.js';
import { hasExplicitSemantics, outcomeOf, semanticsOf } from '../../src/formats/semantics.js';

describe('event type semantics', () => {
  it('gives every catalogued event type an explicit meaning', () => {
    expect(
      EVENT_TYPES.filter((t) => !hasExplicitSemantics(t.id) && t.id >> 24 !== 0x42).map(
        (t) => `${t.id} ${t.name}`,
      ),
    ).toEqual([]);
  });

  it('treats detections, blocks and failed quarantines as alerts, whatever the top byte says', () => {
    expect(semanticsOf(553648147)).toMatchObject({
      cls: 'info',
      domain: 'malware',
      action: 'detected',
      alert: true,
    }); // Retrospective Detection
    expect(semanticsOf(553648168)).toMatchObject({ cls: 'info', action: 'blocked', alert: true }); // Execution Blocked
    expect(semanticsOf(2164260880)).toMatchObject({ cls: 'failure', domain: 'quarantine', alert: true }); // Quarantine Failure
    expect(semanticsOf(1090519096)).toMatchObject({ cls: 'threat', domain: 'reboot', alert: false }); // Update: Reboot Required
    expect(semanticsOf(553648143)).toMatchObject({ action: 'quarantined', alert: false });
  });

  it('falls back to the top-byte class for unknown ids and odd values', () => {
    expect(semanticsOf(0x41ffffff)).toMatchObject({ cls: 'threat', action: 'detected', alert: true });
    expect(semanticsOf(0x42ffffff)).toMatchObject({ domain: 'ioc', alert: true });
    expect(semanticsOf(0x81ffffff)).toMatchObject({ cls: 'failure', action: 'failed', alert: false });
    expect(semanticsOf(0x21ffffff)).toMatchObject({ cls: 'info', action: 'none', alert: false });
    expect(semanticsOf('1090519054')).toMatchObject({ cls: 'info', domain: 'other' });
    expect(outcomeOf(semanticsOf(553648136))).toBe('success');
    expect(outcomeOf(semanticsOf(2165309453))).toBe('failure');
    expect(outcomeOf(semanticsOf(1090519054))).toBeUndefined();
  });
});

describe('leftovers', () => {
  it('keeps unknown keys and wrongly typed consumed ones, drops what was consumed', () => {
    const rest = leftovers(
      { a: 'x', b: 2, c: { d: 'y', e: 'z' }, f: 'not an object' },
      { a: 's', b: 's', c: { d: 's' }, f: { g: 's' } },
    );
    expect(rest).toEqual({ b: 2, c: { e: 'z' }, f: 'not an object' });
  });

  it('keeps array positions and a __proto__ key as plain data', () => {
    const input = JSON.parse(
      '{"list":[{"ip":"10.0.0.1","mac":"zz"},{"ip":"10.0.0.2"}],"__proto__":{"polluted":true}}',
    ) as unknown;
    const rest = leftovers(input, { list: [{ ip: 'ip', mac: 'mac' }] }) as Record<string, unknown>;
    expect(rest['list']).toEqual([{ mac: 'zz' }, null]);
    expect(Object.getPrototypeOf(rest)).toBe(Object.prototype);
    expect(Object.hasOwn(rest, '__proto__')).toBe(true);
    expect(JSON.stringify(rest)).toContain('"__proto__":{"polluted":true}');
  });

  it('returns undefined when everything was consumed', () => {
    expect(leftovers({ a: 'x' }, { a: 's' })).toBeUndefined();
  });
});

describe('prettyJson', () => {
  it('indents without touching numbers, strings or key order', () => {
    const text = '{"id":6533241145273614339,"s":"a,{b}:[c] \\"q\\"","e":{},"l":[],"n":[1,{"x":null}]}';
    const pretty = prettyJson(text);
    expect(pretty).toBe(
      [
        '{',
        '  "id": 6533241145273614339,',
        '  "s": "a,{b}:[c] \\"q\\"",',
        '  "e": {},',
        '  "l": [],',
        '  "n": [',
        '    1,',
        '    {',
        '      "x": null',
        '    }',
        '  ]',
        '}',
      ].join('\n'),
    );
  });
});
