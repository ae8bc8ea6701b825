import type { CheckResult, CheckStatus, DoctorReport } from './types.js';

/** Pure: the exit code of a set of results (0 all OK, 1 any WARN, 2 any FAIL). */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 | 2 {
  if (results.some((r) => r.status === 'fail')) return 2;
  if (results.some((r) => r.status === 'warn')) return 1;
  return 0;
}

export function buildReport(results: readonly CheckResult[]): DoctorReport {
  return { results, exitCode: exitCodeOf(results) };
}

const LABEL: Record<CheckStatus, string> = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export interface TextOptions {
  /** colour the status words (a terminal) */
  readonly colour?: (status: CheckStatus, text: string) => string;
}

/** Pure: the checklist as text, one block per section, the fix under each WARN/FAIL line. */
export function formatReport(report: DoctorReport, options: TextOptions = {}): string {
  const paint = options.colour ?? ((_s: CheckStatus, t: string) => t);
  const width = Math.max(0, ...report.results.map((r) => r.check.length));
  const out: string[] = [];
  let section: string | undefined;
  for (const r of report.results) {
    if (r.section !== section) {
      if (section !== undefined) out.push('');
      out.push(r.section);
      section = r.section;
    }
    out.push(`  ${paint(r.status, LABEL[r.status])}  ${r.check.padEnd(width)}  ${r.evidence}`);
    if (r.fix !== undefined && (r.status === 'warn' || r.status === 'fail'))
      out.push(`        ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  const count = (s: CheckStatus): number => report.results.filter((r) => r.status === s).length;
  out.push('');
  out.push(
    `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failure(s)${count('skip') > 0 ? `, ${count('skip')} skipped` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
