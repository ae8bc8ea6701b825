import type { Row } from './summary.js';

/**
 * The bench's printed report: pure functions from summarised rows to markdown.
 *
 * Targets (docs/architecture.md, Targets), measured side by side in one run:
 * - drain rate to a JSONL file (lossless ids, fsync-batched acks) ≥ 0.95 × the C reference
 *   and ≥ 1.7 × the seed's pika consumer with acks, on the same backlog;
 * - consumer CPU ≤ 20 µs per event for raw → JSONL; ECS/OCSF ≤ 60 µs; reported per format;
 * - peak RSS ≤ 150 MB draining 1,000,000 queued events.
 */
export const TARGETS = {
  /** ampstream events/s ÷ c_ack events/s */
  minRatioToC: 0.95,
  /** ampstream events/s ÷ pika_ack events/s */
  minRatioToPikaAck: 1.7,
  /** consumer CPU per event, raw → JSONL, in µs */
  maxUsPerEventRaw: 20,
  /** consumer CPU per event, ECS or OCSF → JSONL, in µs */
  maxUsPerEventMapped: 60,
  /** peak RSS draining 1,000,000 events, in MB */
  maxRssMbAtMillion: 150,
  millionN: 1_000_000,
} as const;

export const C_REFERENCE = 'c_ack';
export const PIKA_REFERENCE = 'pika_ack';
export const AMPSTREAM_RAW = 'ampstream';

const f0 = (v: number | undefined): string => (v === undefined ? '–' : Math.round(v).toString());
const f1 = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(1));
const f2 = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(2));

function ratio(row: Row, ref: Row | undefined): number | undefined {
  if (row.eps === undefined || ref?.eps === undefined || !row.acks) return undefined;
  return row.eps / ref.eps;
}

function epsCell(row: Row): string {
  if (row.eps === undefined) return row.statuses.join('/') || 'not run';
  const range = row.reps > 1 ? ` (${f0(row.epsMin)}-${f0(row.epsMax)})` : '';
  const marker = row.acks ? `**${f0(row.eps)}**` : `${f0(row.eps)} consumed, not drained`;
  return marker + range;
}

function depthCell(row: Row): string {
  if (row.depthsAfter.every((d) => d === undefined)) return '–';
  return row.depthsAfter.map((d) => (d === undefined ? '?' : String(d))).join('/');
}

/** The results table, one row per configuration, in the given order. */
export function formatResultsTable(rows: readonly Row[]): string {
  const c = rows.find((r) => r.config === C_REFERENCE);
  const pika = rows.find((r) => r.config === PIKA_REFERENCE);
  const head =
    '| config | N | reps | events/s (min-max) | × c_ack | × pika_ack | drain s | consumer CPU s: total, start-up (µs/event drained) | peak RSS MB | broker CPU s (µs/event) | queue depth after | output check | other load (cores) |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|';
  const lines = rows.map((r) =>
    [
      r.config,
      r.n,
      r.reps,
      epsCell(r),
      f2(ratio(r, c)),
      f2(ratio(r, pika)),
      f1(r.drainSecs),
      r.cpuSecs === undefined ? '–' : `${f1(r.cpuSecs)}, ${f1(r.startupCpuSecs)} (${f1(r.usPerEvent)})`,
      f0(r.peakRssMb),
      r.brokerCpuSecs === undefined ? '–' : `${f1(r.brokerCpuSecs)} (${f0(r.brokerUsPerEvent)})`,
      depthCell(r),
      r.output,
      f1(r.otherCores),
    ].join(' | '),
  );
  return [head, ...lines.map((l) => `| ${l} |`)].join('\n');
}

/** 'not run': the configuration the target judges was unavailable or not selected. */
export type Verdict = 'PASS' | 'FAIL' | 'n/a' | 'not run';

export interface TargetResult {
  readonly target: string;
  readonly threshold: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

function drained(row: Row | undefined): row is Row & { eps: number } {
  return row !== undefined && row.counted > 0 && row.eps !== undefined;
}

function why(row: Row | undefined, name: string): string {
  if (row === undefined) return `${name} not run`;
  if (row.statuses.includes('unavailable')) return `${name} unavailable`;
  return `${name} did not drain (${row.statuses.join('/')}, depth after ${depthCell(row)})`;
}

function notRun(row: Row | undefined): boolean {
  return row === undefined || row.statuses.every((s) => s === 'unavailable');
}

function rateTarget(amp: Row | undefined, ref: Row | undefined, refName: string, min: number): TargetResult {
  const target = `drain rate ≥ ${min} × ${refName}`;
  const threshold = `≥ ${min.toFixed(2)}×`;
  if (notRun(amp)) return { target, threshold, measured: why(amp, AMPSTREAM_RAW), verdict: 'not run' };
  if (!drained(amp)) return { target, threshold, measured: why(amp, AMPSTREAM_RAW), verdict: 'FAIL' };
  if (!drained(ref))
    return { target, threshold, measured: why(ref, refName), verdict: notRun(ref) ? 'not run' : 'n/a' };
  const x = amp.eps / ref.eps;
  return {
    target,
    threshold,
    measured: `${x.toFixed(2)}× (${f0(amp.eps)} vs ${f0(ref.eps)} events/s)`,
    verdict: x >= min ? 'PASS' : 'FAIL',
  };
}

function cpuTarget(row: Row | undefined, label: string, config: string, max: number): TargetResult {
  const target = `consumer CPU, ${label}`;
  const threshold = `≤ ${max} µs/event`;
  if (notRun(row)) return { target, threshold, measured: why(row, config), verdict: 'not run' };
  if (!drained(row) || row.usPerEvent === undefined)
    return { target, threshold, measured: why(row, config), verdict: 'FAIL' };
  return {
    target,
    threshold,
    measured: `${f1(row.usPerEvent)} µs/event`,
    verdict: row.usPerEvent <= max ? 'PASS' : 'FAIL',
  };
}

/** Judge the ampstream rows against the design targets; rows not run give 'n/a'. */
export function evaluateTargets(rows: readonly Row[]): TargetResult[] {
  const get = (name: string): Row | undefined => rows.find((r) => r.config === name);
  const amp = get(AMPSTREAM_RAW);
  const out: TargetResult[] = [
    rateTarget(amp, get(C_REFERENCE), C_REFERENCE, TARGETS.minRatioToC),
    rateTarget(amp, get(PIKA_REFERENCE), PIKA_REFERENCE, TARGETS.minRatioToPikaAck),
    cpuTarget(amp, 'raw → JSONL', AMPSTREAM_RAW, TARGETS.maxUsPerEventRaw),
  ];
  for (const fmt of ['ecs', 'ocsf'] as const) {
    const name = `${AMPSTREAM_RAW}_${fmt}`;
    out.push(cpuTarget(get(name), `${fmt.toUpperCase()} → JSONL`, name, TARGETS.maxUsPerEventMapped));
  }
  const rssTarget = `peak RSS draining ${TARGETS.millionN.toLocaleString('en-US')} events`;
  const rssThreshold = `≤ ${TARGETS.maxRssMbAtMillion} MB`;
  if (notRun(amp)) {
    out.push({
      target: rssTarget,
      threshold: rssThreshold,
      measured: why(amp, AMPSTREAM_RAW),
      verdict: 'not run',
    });
  } else if (amp!.n < TARGETS.millionN) {
    out.push({
      target: rssTarget,
      threshold: rssThreshold,
      measured: 'not measured (run with --million)',
      verdict: 'n/a',
    });
  } else if (!drained(amp) || amp.peakRssMb === undefined) {
    out.push({
      target: rssTarget,
      threshold: rssThreshold,
      measured: why(amp, AMPSTREAM_RAW),
      verdict: 'FAIL',
    });
  } else {
    out.push({
      target: rssTarget,
      threshold: rssThreshold,
      measured: `${f0(amp.peakRssMb)} MB`,
      verdict: amp.peakRssMb <= TARGETS.maxRssMbAtMillion ? 'PASS' : 'FAIL',
    });
  }
  if (amp !== undefined && !notRun(amp)) {
    out.push({
      target: 'lossless output (N lines, sampled 64-bit ids exact)',
      threshold: 'all reps',
      measured: amp.output,
      verdict: amp.output === 'ok' ? 'PASS' : amp.output === 'not checked' ? 'n/a' : 'FAIL',
    });
  }
  return out;
}

export function formatTargets(targets: readonly TargetResult[]): string {
  const head = '| target | threshold | measured | verdict |\n|---|---|---|---|';
  return [
    head,
    ...targets.map((t) => `| ${t.target} | ${t.threshold} | ${t.measured} | **${t.verdict}** |`),
  ].join('\n');
}

/** Notes below the table: why a rep did not count, what a consumer is. */
export function formatNotes(rows: readonly Row[], descriptions: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const r of rows) {
    const d = descriptions.get(r.config);
    if (d !== undefined) lines.push(`- \`${r.config}\`: ${d}`);
    for (const n of r.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}
