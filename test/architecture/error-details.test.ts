import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Error `details` fields that drive logic are typed on AmpErrorDetails (src/errors.ts), so no
 * call site casts them back or reads them by a string key.
 */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

export function detailsCasts(text: string): string[] {
  return text.split('\n').filter((l) => /\bdetails\s+as\s|\bdetails\)\s+as\s|\bdetails\[['"`]/.test(l));
}

describe('typed error details', () => {
  it('are never cast back or read by a string key in src/', () => {
    const found = sources(SRC).flatMap((f) =>
      detailsCasts(readFileSync(f, 'utf8')).map((l) => `${relative(SRC, f)}: ${l.trim()}`),
    );
    expect(found).toEqual([]);
  });

  it('the check finds the casts it is meant to', () => {
    expect(
      detailsCasts("const d = e.details as { status?: number };\nconst s = e.details['status'];"),
    ).toHaveLength(2);
    expect(detailsCasts('const s = e.details.status ?? 500;')).toEqual([]);
  });
});
