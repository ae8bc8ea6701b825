import type { DecodedEvent } from '../event/types.js';

export const formatNames = ['raw', 'ecs', 'ocsf', 'cef'] as const;
export type FormatName = (typeof formatNames)[number];

/**
 * A format is a pure function from one decoded event to one output record.
 *
 * - `kind: 'json'`: the record is one JSON document on one line (raw, ecs, ocsf). Sinks that
 *   embed it in a larger JSON document (Splunk HEC `event`, an HTTP array) splice the text in
 *   as is, so ids above 2^53 stay exact.
 * - `kind: 'text'`: the record is one line of text (cef); JSON sinks embed it as a string.
 *
 * `render` never throws on unknown or missing fields (they go to the vendor/unmapped area).
 * The `raw` format returns the original message bytes untouched (a Buffer).
 */
export interface Format {
  readonly name: FormatName;
  readonly kind: 'json' | 'text';
  render(event: DecodedEvent): string | Buffer;
}
