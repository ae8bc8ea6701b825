import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/event/decode.js';
import type { DecodedEvent } from '../../src/event/types.js';
import { getFormat } from '../../src/formats/index.js';
import type { Format } from '../../src/formats/types.js';
import { withOrganisation } from '../../src/pipeline/org-label.js';

const body = Buffer.from(
  '{"id":6800000000000000001,"timestamp":1700000000,"timestamp_nanoseconds":0,"date":"2023-11-14T22:13:20+00:00","event_type":"Threat Detected","event_type_id":1090519054,"severity":"High","computer":{"connector_guid":"0f4e4a39-3b6a-4c5e-9d5b-1c2d3e4f5a6b","hostname":"ws-1","active":true}}',
);

function decoded(): DecodedEvent {
  const r = decodeEvent(body);
  if (!r.ok) throw new Error('test event does not decode');
  return r.value;
}

function render(format: Format): string {
  const out = format.render(decoded());
  return typeof out === 'string' ? out : out.toString('utf8');
}

describe('the organisation on every record', () => {
  it.each(['raw', 'ecs', 'ocsf'] as const)(
    'puts "organization":{"name":…} first in a %s record and leaves the rest of it byte for byte',
    (name) => {
      const plain = render(getFormat(name));
      const labelled = render(withOrganisation(getFormat(name), 'acme'));
      expect(labelled).toBe(`{"organization":{"name":"acme"},${plain.slice(1)}`);
      expect((JSON.parse(labelled) as { organization: unknown }).organization).toEqual({ name: 'acme' });
    },
  );

  it('appends cs6Label=organization cs6=<org> to a CEF line', () => {
    const plain = render(getFormat('cef'));
    expect(render(withOrganisation(getFormat('cef'), 'globex'))).toBe(
      `${plain} cs6Label=organization cs6=globex`,
    );
  });

  it('labels an empty JSON object without a dangling comma, and leaves a non-object record alone', () => {
    const fake = (out: string | Buffer): Format => ({ name: 'raw', kind: 'json', render: () => out });
    const ev = decoded();
    expect(withOrganisation(fake('{}'), 'a').render(ev)).toBe('{"organization":{"name":"a"}}');
    expect(
      withOrganisation(fake(Buffer.from('{ }')), 'a')
        .render(ev)
        .toString(),
    ).toBe('{"organization":{"name":"a"}}');
    expect(withOrganisation(fake('[1]'), 'a').render(ev)).toBe('[1]');
  });

  it('refuses an organisation that is not a label (it is spliced into JSON and CEF as is)', () => {
    expect(() => withOrganisation(getFormat('raw'), 'a"b')).toThrow(/not an organisation label/);
  });
});
