/**
 * Durations as people write them in configs and flags: `90s`, `15m`, `6h`, `10d`, `1w`, a
 * combination (`1h30m`), or a bare number of seconds. Returns seconds, or undefined when the
 * text is not a duration.
 */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function parseDurationSeconds(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g))
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] ?? 0);
  return total;
}

/**
 * A point in time: ISO 8601 (`2026-12-01T00:00:00Z`, `2026-12-01`), epoch seconds, or a
 * duration meaning "that long before now" (`24h`, `7d`). Undefined when unreadable.
 */
export function parseTimeSpec(text: string, now: number = Date.now()): Date | undefined {
  const ago = /^\d+$/.test(text.trim()) ? undefined : parseDurationSeconds(text);
  if (ago !== undefined) return new Date(now - ago * 1000);
  if (/^\d{9,11}$/.test(text.trim())) return new Date(Number(text.trim()) * 1000);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
