/**
 * `ampstream doctor`: a checklist. Each check is a small unit that looks at one thing and
 * returns one line: OK / WARN / FAIL (or SKIP when an earlier failure makes it meaningless),
 * the evidence it saw, and for WARN/FAIL the fix. Checks never write an event anywhere and
 * never print a secret.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** the group the line belongs to: `api`, `vault`, `stream <label>`, `sink <name>`, `daemon` */
  readonly section: string;
  /** short name of what was checked: `dns`, `tls`, `credentials`, `consumers`… */
  readonly check: string;
  readonly status: CheckStatus;
  /** what was seen, one sentence, secret-free */
  readonly evidence: string;
  /** what to do about it (WARN and FAIL) */
  readonly fix?: string;
  /** the AmpError code behind a failure, when there is one */
  readonly code?: string;
}

export interface DoctorReport {
  readonly results: readonly CheckResult[];
  /** 0 all OK, 1 warnings, 2 failures */
  readonly exitCode: 0 | 1 | 2;
}

export const ok = (section: string, check: string, evidence: string): CheckResult => ({
  section,
  check,
  status: 'ok',
  evidence,
});

export const skip = (section: string, check: string, evidence: string): CheckResult => ({
  section,
  check,
  status: 'skip',
  evidence,
});

export function warnResult(section: string, check: string, evidence: string, fix: string): CheckResult {
  return { section, check, status: 'warn', evidence, fix };
}

export function fail(
  section: string,
  check: string,
  evidence: string,
  fix: string | undefined,
  code?: string,
): CheckResult {
  return {
    section,
    check,
    status: 'fail',
    evidence,
    ...(fix === undefined ? {} : { fix }),
    ...(code === undefined ? {} : { code }),
  };
}
