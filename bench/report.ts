import type { Row } from './summary.js';

/**
 * The bench's printed report: pure functions from summarised rows to markdown.
 *
 * Targets (docs/architecture.md, Targets), measured side by side in one run:
 * - drain rate to a JSONL file (lossless ids, fsync-batched acks) ≥ 0.95 × the C reference
 *   and ≥ 1.7 × the seed's pika consumer with acks, on the same backlog;
 * - consumer CPU ≤ 20 µs per event for raw → JSONL; ECS/OCSF ≤ 60 µs; reported per format;
 * - peak RSS ≤ 150 MB draining 1,000,000 queued events.
 *
 * Formats at line rate (docs/bench.md, Targets), ratios within the same run and backlog:
 * - ECS and OCSF drains ≥ 0.95 × ampstream's raw drain;
 * - consumer CPU per event: raw ≤ 1.5 × c_ack's, ECS and OCSF ≤ 2.5 × c_ack's;
 * - peak RSS draining 200,000 events: raw ≤ 80 MB, ECS and OCSF ≤ 100 MB.
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

/** The formats-at-line-rate targets: ratios to other rows of the same run. */
export const RATIO_TARGETS = {
  /** ampstream_ecs (or _ocsf) events/s ÷ ampstream (raw) events/s */
  minMappedToRawRate: 0.95,
  /** ampstream (raw) µs/event ÷ c_ack µs/event */
  maxRawCpuToC: 1.5,
  /** ampstream_ecs (or _ocsf) µs/event ÷ c_ack µs/event */
  maxMappedCpuToC: 2.5,
  /** peak RSS draining `rssN` events raw, in MB */
  maxRssMbRaw: 80,
  /** peak RSS draining `rssN` events with ECS or OCSF, in MB */
  maxRssMbMapped: 100,
  rssN: 200_000,
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

/** `row` events/s ÷ `ref` events/s ≥ min (a mapped format's drain against the raw drain). */
function rateVsTarget(
  row: Row | undefined,
  name: string,
  ref: Row | undefined,
  refName: string,
  min: number,
): TargetResult {
  const target = `${name} drain rate ≥ ${min} × ${refName} drain`;
  const threshold = `≥ ${min.toFixed(2)}×`;
  if (notRun(row)) return { target, threshold, measured: why(row, name), verdict: 'not run' };
  if (!drained(row)) return { target, threshold, measured: why(row, name), verdict: 'FAIL' };
  if (!drained(ref))
    return { target, threshold, measured: why(ref, refName), verdict: notRun(ref) ? 'not run' : 'n/a' };
  const x = row.eps / ref.eps;
  return {
    target,
    threshold,
    measured: `${x.toFixed(2)}× (${f0(row.eps)} vs ${f0(ref.eps)} events/s)`,
    verdict: x >= min ? 'PASS' : 'FAIL',
  };
}

/** `row` µs/event ÷ c_ack µs/event ≤ max. */
function cpuVsTarget(row: Row | undefined, name: string, ref: Row | undefined, max: number): TargetResult {
  const target = `consumer CPU/event, ${name} ≤ ${max} × ${C_REFERENCE}`;
  const threshold = `≤ ${max.toFixed(1)}×`;
  if (notRun(row)) return { target, threshold, measured: why(row, name), verdict: 'not run' };
  if (!drained(row) || row.usPerEvent === undefined)
    return { target, threshold, measured: why(row, name), verdict: 'FAIL' };
  if (!drained(ref) || ref.usPerEvent === undefined)
    return { target, threshold, measured: why(ref, C_REFERENCE), verdict: notRun(ref) ? 'not run' : 'n/a' };
  const x = row.usPerEvent / ref.usPerEvent;
  return {
    target,
    threshold,
    measured: `${x.toFixed(2)}× (${f1(row.usPerEvent)} vs ${f1(ref.usPerEvent)} µs/event)`,
    verdict: x <= max ? 'PASS' : 'FAIL',
  };
}

/** Peak RSS of a drain of exactly `RATIO_TARGETS.rssN` events ≤ max. */
function rssAtTarget(row: Row | undefined, name: string, max: number): TargetResult {
  const target = `peak RSS, ${name}, ${RATIO_TARGETS.rssN.toLocaleString('en-US')} events`;
  const threshold = `≤ ${max} MB`;
  if (notRun(row)) return { target, threshold, measured: why(row, name), verdict: 'not run' };
  if (row!.n !== RATIO_TARGETS.rssN)
    return { target, threshold, measured: `not measured (N = ${row!.n})`, verdict: 'n/a' };
  if (!drained(row) || row.peakRssMb === undefined)
    return { target, threshold, measured: why(row, name), verdict: 'FAIL' };
  return {
    target,
    threshold,
    measured: `${f0(row.peakRssMb)} MB`,
    verdict: row.peakRssMb <= max ? 'PASS' : 'FAIL',
  };
}

/** The formats-at-line-rate targets (RATIO_TARGETS), judged on the rows of one run. */
export function evaluateRatioTargets(rows: readonly Row[]): TargetResult[] {
  const get = (name: string): Row | undefined => rows.find((r) => r.config === name);
  const amp = get(AMPSTREAM_RAW);
  const c = get(C_REFERENCE);
  const T = RATIO_TARGETS;
  const mapped = (['ecs', 'ocsf'] as const).map((f) => `${AMPSTREAM_RAW}_${f}`);
  return [
    ...mapped.map((name) => rateVsTarget(get(name), name, amp, AMPSTREAM_RAW, T.minMappedToRawRate)),
    cpuVsTarget(amp, AMPSTREAM_RAW, c, T.maxRawCpuToC),
    ...mapped.map((name) => cpuVsTarget(get(name), name, c, T.maxMappedCpuToC)),
    rssAtTarget(amp, AMPSTREAM_RAW, T.maxRssMbRaw),
    ...mapped.map((name) => rssAtTarget(get(name), name, T.maxRssMbMapped)),
  ];
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
