import { AmpError } from '../errors.js';

/**
 * Stream names. Cisco's API reference states no length limit or character set for
 * `name`; names are shown in Cisco's console, in `streams list` and in logs, and used to
 * find a stream (`ampstream streams show NAME`). ampstream (the client, and the emulator's
 * REST API) accepts at most MAX_STREAM_NAME_LENGTH characters and no control characters
 * (C0, DEL, C1: an ESC in a name rewrites the terminal of whoever lists the streams).
 * Names that differ only in case are accepted (Cisco's rule is not known) but warned about:
 * a lookup by name is then ambiguous to a human.
 */

/** (default=255) longest stream name accepted, in characters. */
export const MAX_STREAM_NAME_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` (already trimmed) is not acceptable, or undefined. */
export function streamNameProblem(name: string): string | undefined {
  if (name === '') return 'the stream name must not be empty';
  if (name.length > MAX_STREAM_NAME_LENGTH)
    return `the name is ${name.length} characters long; the longest accepted is ${MAX_STREAM_NAME_LENGTH}`;
  if (CONTROL.test(name))
    return 'the stream name contains control characters (such as ESC, a tab or a newline)';
  return undefined;
}

/** Throws a USAGE AmpError when the name is not acceptable; returns it trimmed. */
export function checkStreamName(raw: string): string {
  const name = raw.trim();
  const problem = streamNameProblem(name);
  if (problem !== undefined)
    throw new AmpError('USAGE', problem, {
      hint: `use printable characters, at most ${MAX_STREAM_NAME_LENGTH}`,
    });
  return name;
}

/** Existing streams whose name equals `name` ignoring case (but not exactly). */
export function caseClashes<T extends { readonly name: string; readonly id: number }>(
  name: string,
  streams: readonly T[],
  exceptId?: number,
): T[] {
  const lower = name.toLowerCase();
  return streams.filter((s) => s.id !== exceptId && s.name !== name && s.name.toLowerCase() === lower);
}
