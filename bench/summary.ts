import type { DrainResult, DrainStatus } from './types.js';

/**
 * Reps of one configuration folded into one table row: medians of the measured drains
 * (reps whose drain did not count are listed in `statuses` but not in the medians).
 */
export interface Row {
  readonly config: string;
  readonly n: number;
  readonly reps: number;
  /** drains that counted (status ok, acking consumers only) */
  readonly counted: number;
  readonly acks: boolean;
  readonly ampstream: boolean;
  readonly format: string;
  readonly eps?: number;
  readonly epsMin?: number;
  readonly epsMax?: number;
  readonly drainSecs?: number;
  readonly cpuSecs?: number;
  readonly startupCpuSecs?: number;
  readonly usPerEvent?: number;
  readonly peakRssMb?: number;
  readonly brokerCpuSecs?: number;
  readonly brokerUsPerEvent?: number;
  /** median cores used by other work on the machine during the drains */
  readonly otherCores?: number;
  readonly depthsAfter: readonly (number | undefined)[];
  readonly statuses: readonly DrainStatus[];
  readonly notes: readonly string[];
  /** output check over the reps: 'ok', or what was wrong */
  readonly output: string;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** Did this drain count? It ran to the end, and (for acking consumers) emptied the queue. */
export function drainCounts(r: DrainResult, acks: boolean): boolean {
  return r.status === 'ok' && (!acks || r.depthAfter === 0);
}

function outputVerdict(results: readonly DrainResult[]): string {
  const problems = results.flatMap((r) => {
    const o = r.output;
    if (o === undefined) return [];
    const p: string[] = [];
    if (o.lines !== r.n) p.push(`${o.lines} lines`);
    if (o.idsFound !== o.sampled)
      p.push(`${o.sampled - o.idsFound}/${o.sampled} sampled ids missing or altered`);
    return p;
  });
  if (results.every((r) => r.output === undefined)) return 'not checked';
  return problems.length === 0 ? 'ok' : problems.join('; ');
}

export interface RowMeta {
  readonly acks: boolean;
  readonly ampstream: boolean;
  readonly format: string;
}

export function summarise(config: string, results: readonly DrainResult[], meta: RowMeta): Row {
  // a non-acking consumer never "drains", but its consume rate and cost are still shown
  const measured = results.filter((r) => r.status === 'ok' && (!meta.acks || r.depthAfter === 0));
  const pick = (f: (r: DrainResult) => number | undefined): number[] =>
    measured.map(f).filter((v): v is number => v !== undefined);
  const eps = pick((r) => r.eps);
  const m = (f: (r: DrainResult) => number | undefined): number | undefined => median(pick(f));
  const notes = results.flatMap((r) => (r.note === undefined ? [] : [`rep ${r.rep}: ${r.note}`]));
  return {
    config,
    n: results[0]?.n ?? 0,
    reps: results.length,
    counted: results.filter((r) => drainCounts(r, meta.acks) && meta.acks).length,
    ...meta,
    ...(eps.length > 0 && { eps: median(eps)!, epsMin: Math.min(...eps), epsMax: Math.max(...eps) }),
    ...(m((r) => r.drainSecs) !== undefined && { drainSecs: m((r) => r.drainSecs)! }),
    ...(m((r) => r.cpuSecs) !== undefined && {
      cpuSecs: m((r) => r.cpuSecs)!,
      usPerEvent: m((r) => r.usPerEvent)!,
    }),
    ...(m((r) => r.startupCpuSecs) !== undefined && { startupCpuSecs: m((r) => r.startupCpuSecs)! }),
    ...(m((r) => r.peakRssMb) !== undefined && { peakRssMb: Math.max(...pick((r) => r.peakRssMb)) }),
    ...(m((r) => r.brokerCpuSecs) !== undefined && {
      brokerCpuSecs: m((r) => r.brokerCpuSecs)!,
      brokerUsPerEvent: m((r) => r.brokerUsPerEvent)!,
    }),
    ...(m((r) => r.otherCores) !== undefined && { otherCores: m((r) => r.otherCores)! }),
    depthsAfter: results.map((r) => r.depthAfter),
    statuses: results.map((r) => r.status),
    notes,
    output: outputVerdict(results),
  };
}
