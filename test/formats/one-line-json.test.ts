import { describe, expect, it } from 'vitest';
import { oneLineJson } from '../../src/formats/util.js';

/** What oneLineJson must produce: JSON.stringify with NEL, LS and PS escaped, whatever the body. */
function expected(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The body as it arrives (UTF-8 JSON text) and the record rendered from it. */
function render(body: string): string {
  return oneLineJson(JSON.stringify(JSON.parse(body)), Buffer.from(body, 'utf8'));
}

describe('oneLineJson', () => {
  const bodies: Record<string, string> = {
    'a raw LS and PS': '{"a":"x\u2028y\u2029z"}',
    'a raw NEL': '{"a":"x\u0085y"}',
    'an escaped LS': '{"a":"x\\u2028y"}',
    'an escaped PS': '{"a":"x\\u2029y"}',
    'an escaped NEL': '{"a":"x\\u0085y"}',
    'an escaped backslash before u2028 (no line break)': '{"a":"C:\\\\u2028\\\\x"}',
    'a Windows path with \\\\users (no line break)': '{"p":"C:\\\\users\\\\update.exe"}',
    'non-ASCII text with E2 and C2 lead bytes (no line break)': '{"a":"it’s … ©","b":"\u00a0"}',
    'plain ASCII': '{"a":"b","n":1}',
  };
  for (const [what, body] of Object.entries(bodies)) {
    it(`escapes exactly the line breaks the record holds, for a body with ${what}`, () => {
      const out = render(body);
      expect(out).toBe(expected(JSON.parse(body)));
      expect(/[\u0085\u2028\u2029]/.test(out)).toBe(false);
    });
  }
});
