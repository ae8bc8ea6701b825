/**
 * "Did you mean …" suggestions: Levenshtein edit distance, case-insensitive, plus substring
 * matches ("threat" → "Threat Detected", "Threat Quarantined").
 */

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** (default=3) suggestions shown at most */
export const MAX_SUGGESTIONS = 3;

/**
 * Candidates close to `input`: within max(2, ⌊len/3⌋) edits, or containing it; closest first.
 */
export function suggest(input: string, candidates: readonly string[], max = MAX_SUGGESTIONS): string[] {
  const needle = input.trim().toLowerCase();
  if (needle === '') return [];
  const limit = Math.max(2, Math.floor(needle.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of new Set(candidates)) {
    const hay = name.toLowerCase();
    const d = editDistance(needle, hay);
    if (d <= limit) scored.push({ name, score: d });
    else if (hay.includes(needle) && needle.length >= 3)
      scored.push({ name, score: limit + 1 + (hay.length - needle.length) / 100 });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** ` (did you mean "a" or "b"?)`, or '' when there is nothing close. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => `"${s}"`);
  const last = quoted.pop();
  return ` (did you mean ${quoted.length === 0 ? last : `${quoted.join(', ')} or ${last}`}?)`;
}
