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
}

/**
 * Run the formats engineer's `bench/formats.ts` (events/s per core for raw, ecs, ocsf, cef,
 * no I/O) in its own process, after the drains so it never competes with them for the CPU,
 * and include what it prints.
 */
export async function runFormatsBench(repoRoot: string, log: (line: string) => void): Promise<FormatsOutput> {
  const script = join(repoRoot, 'bench', 'formats.ts');
  if (!existsSync(script)) return { text: '_bench/formats.ts is not there yet: formats micro-benchmark not run._', ran: false };
  log('formats micro-benchmark (bench/formats.ts)…');
  const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  try {
    const { stdout } = await run(process.execPath, [tsx, script], {
      cwd: repoRoot,
      timeout: FORMATS_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { text: stdout.trim(), ran: true };
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    const why = (err.stderr?.trim() || err.message || String(e)).split('\n').slice(0, 3).join(' | ');
    return { text: `_bench/formats.ts failed: ${why}_`, ran: false };
  }
}
