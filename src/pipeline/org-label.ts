import type { Format } from '../formats/types.js';

/**
 * The organisation on every record of a stream (docs/fleet.md), when the config declares
 * organisations: a format wrapper, so the formats themselves stay as they are (and their
 * output byte-identical for a config without organisations).
 *
 * - JSON formats (raw, ecs, ocsf): a first top-level key `"organization":{"name":"<org>"}`
 *   (ECS's own field for the tenant; the same key in raw and ocsf records, so one query
 *   works across formats). A record that is not a JSON object is left as it is.
 * - text (cef): the extension `cs6Label=organization cs6=<org>` appended (custom string 6 is
 *   used by no CEF mapping here). The label is `[a-z0-9_-]`, so it needs no CEF escaping.
 */
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from('}');

export function withOrganisation(format: Format, org: string): Format {
  if (!/^[a-z0-9_-]+$/.test(org)) throw new Error(`not an organisation label: ${org}`);
  if (format.kind === 'text') {
    const suffix = ` cs6Label=organization cs6=${org}`;
    return {
      name: format.name,
      kind: format.kind,
      render: (event) => {
        const out = format.render(event);
        return typeof out === 'string' ? out + suffix : Buffer.concat([out, Buffer.from(suffix)]);
      },
    };
  }
  const head = `{"organization":{"name":"${org}"}`;
  const headBytes = Buffer.from(head);
  return {
    name: format.name,
    kind: format.kind,
    render: (event) => {
      const out = format.render(event);
      if (typeof out === 'string') {
        if (!out.startsWith('{')) return out;
        return /^\{\s*\}$/.test(out) ? `${head}}` : `${head},${out.slice(1)}`;
      }
      if (out[0] !== 0x7b) return out; // '{'
      const rest = out.subarray(1);
      const empty = rest.length < 16 && /^\s*\}$/.test(rest.toString('latin1'));
      return empty ? Buffer.concat([headBytes, CLOSE]) : Buffer.concat([headBytes, COMMA, rest]);
    },
  };
}
