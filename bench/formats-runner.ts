import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The formats micro-benchmark must finish within this, in ms. */
const FORMATS_TIMEOUT_MS = 300_000;

export interface FormatsOutput {
  /** what bench/formats.ts printed on stdout (its markdown table), or why it did not run */
  readonly text: string;
  readonly ran: boolean;
  /** the table's rows, keyed by column header (for the JSON results) */
  readonly rows: readonly Record<string, string>[];
}

/** The first markdown table in `text` as rows keyed by its header cells (cells trimmed). */
export function parseMarkdownTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l, i) => l.startsWith('|') && /^\|[\s:|-]+\|$/.test(lines[i + 1] ?? ''));
  if (start < 0) return [];
  const cells = (l: string): string[] =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
  const header = cells(lines[start]!);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? ''])));
  }
  return rows;
}

/**
 * Run the formats engineer's `bench/formats.ts` (events/s per core for raw, ecs, ocsf, cef,
 * no I/O) in its own process, after the drains so it never competes with them for the CPU,
 * and include what it prints.
 */
export async function runFormatsBench(repoRoot: string, log: (line: string) => void): Promise<FormatsOutput> {
  const script = join(repoRoot, 'bench', 'formats.ts');
  if (!existsSync(script))
    return {
      text: '_bench/formats.ts is not there yet: formats micro-benchmark not run._',
      ran: false,
      rows: [],
    };
  log('formats micro-benchmark (bench/formats.ts)…');
  const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  try {
    const { stdout } = await run(process.execPath, [tsx, script], {
      cwd: repoRoot,
      timeout: FORMATS_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { text: stdout.trim(), ran: true, rows: parseMarkdownTable(stdout) };
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    const why = (err.stderr?.trim() || err.message || String(e)).split('\n').slice(0, 3).join(' | ');
    return { text: `_bench/formats.ts failed: ${why}_`, ran: false, rows: [] };
  }
}
