import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The README's examples must not show what they cannot deliver. */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README examples', () => {
  it('never pipes event ids through jq without saying that jq 1.6 (Debian 12) rounds ids above 2^53', () => {
    for (const line of readme.split('\n').filter((l) => /\|\s*jq\b.*\.id\b/.test(l)))
      expect(line, line).toMatch(/jq (1\.6|>= ?1\.7)/);
    expect(readme).not.toMatch(/\|\s*jq \.id\b[^\n]*ids exact/);
  });
});
