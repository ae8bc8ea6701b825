import { AmpError } from '../errors.js';
import type { DeadLetter } from './dead-letter.js';

/**
 * Reading dead-letter lines back (`ampstream dead-letters`, `convert`): a dead letter is one
 * JSON line whose `body` is the base64 of the original message bytes, exactly as received.
 */

/** The dead letter on this line, or undefined when the line is not one. */
export function parseDeadLetter(line: string): DeadLetter | undefined {
  const t = line.trimStart();
  if (!t.startsWith('{') || !t.includes('"body"')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['body'] !== 'string' || typeof o['kind'] !== 'string' || typeof o['delivery'] !== 'object')
    return undefined;
  return o as unknown as DeadLetter;
}

/** The original message bytes of a dead letter. */
export function deadLetterBody(letter: DeadLetter): Buffer {
  const body = Buffer.from(letter.body, 'base64');
  if (body.toString('base64') !== letter.body.replace(/\s+/g, ''))
    throw new AmpError('EVENT_MALFORMED', 'the dead letter body is not valid base64');
  return body;
}
