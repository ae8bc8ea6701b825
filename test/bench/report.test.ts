import { describe, expect, it } from 'vitest';
import {
  evaluateRatioTargets,
  evaluateTargets,
  formatResultsTable,
  formatTargets,
} from '../../bench/report.js';
import { median, summarise, type Row } from '../../bench/summary.js';
import type { DrainResult } from '../../bench/types.js';

const N = 200_000;

function drain(config: string, rep: number, eps: number, over: Partial<DrainResult> = {}): DrainResult {
  const drainSecs = N / eps;
  return {
    config,
    rep,
    n: N,
    status: 'ok',
    drainSecs,
    eps,
    cpuSecs: 2,
    startupCpuSecs: 0.1,
    usPerEvent: 10,
    peakRssMb: 50,
    brokerCpuSecs: 12,
    brokerUsPerEvent: 60,
    depthAfter: 0,
    otherCores: 0.2,
    output: { lines: N, sampled: 1000, idsFound: 1000 },
    ...over,
  };
}

const acking = { acks: true, ampstream: false, format: 'raw' };
const amp = { acks: true, ampstream: true, format: 'raw' };

describe('summarising reps', () => {
  it('takes medians over the drains that counted and the largest peak RSS', () => {
    const row = summarise(
      'c_ack',
      [drain('c_ack', 1, 16000), drain('c_ack', 2, 12000, { peakRssMb: 70 }), drain('c_ack', 3, 18000)],
      acking,
    );
    expect(row.eps).toBe(16000);
    expect(row.epsMin).toBe(12000);
    expect(row.epsMax).toBe(18000);
    expect(row.peakRssMb).toBe(70);
    expect(row.counted).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not count a drain that left messages in the queue or stalled', () => {
    const row = summarise(
      'ampstream',
      [
        drain('ampstream', 1, 20000, { depthAfter: 1500 }),
        {
          config: 'ampstream',
          rep: 2,
          n: N,
          status: 'stalled',
          note: 'no progress for 60 s',
          depthAfter: 120_000,
        },
      ],
      amp,
    );
    expect(row.counted).toBe(0);
    expect(row.eps).toBeUndefined();
    expect(row.notes).toEqual(['rep 2: no progress for 60 s']);
  });

  it('flags an output with missing lines or altered ids', () => {
    const row = summarise(
      'ampstream',
      [drain('ampstream', 1, 20000, { output: { lines: N - 3, sampled: 1000, idsFound: 990 } })],
      amp,
    );
    expect(row.output).toBe('199997 lines; 10/1000 sampled ids missing or altered');
  });
});

function rows(ampOver: Partial<DrainResult> = {}, ampEps = 16000): Row[] {
  return [
    summarise('c_ack', [drain('c_ack', 1, 16000)], acking),
    summarise('pika_ack', [drain('pika_ack', 1, 8000, { usPerEvent: 80, cpuSecs: 16 })], acking),
    summarise('pika_asis', [drain('pika_asis', 1, 14000, { depthAfter: N })], { ...acking, acks: false }),
    summarise(
      'ampstream',
      [drain('ampstream', 1, ampEps, { usPerEvent: 18, cpuSecs: 3.6, ...ampOver })],
      amp,
    ),
  ];
}

describe('results table', () => {
  it('prints one markdown row per config with ratios to c_ack and pika_ack', () => {
    const table = formatResultsTable(rows());
    const lines = table.split('\n');
    expect(lines).toHaveLength(2 + 4);
    expect(lines[0]).toContain('| config | N | reps | events/s (min-max) | × c_ack | × pika_ack |');
    expect(lines[3]).toBe(
      '| pika_ack | 200000 | 1 | **8000** | 0.50 | 1.00 | 25.0 | 16.0, 0.1 (80.0) | 50 | 12.0 (60) | 0 | ok | 0.2 |',
    );
    expect(lines[5]).toContain('| ampstream | 200000 | 1 | **16000** | 1.00 | 2.00 |');
  });

  it('shows a non-acking consumer as consumed, not drained, with no ratios and the full queue after', () => {
    const line = formatResultsTable(rows()).split('\n')[4]!;
    expect(line).toBe(
      '| pika_asis | 200000 | 1 | 14000 consumed, not drained | – | – | 14.3 | 2.0, 0.1 (10.0) | 50 | 12.0 (60) | 200000 | ok | 0.2 |',
    );
  });
});

describe('targets', () => {
  it('passes when ampstream drains at the C rate, 2× pika, under 20 µs/event, with exact output', () => {
    const t = evaluateTargets(rows());
    const byName = Object.fromEntries(t.map((x) => [x.target, x.verdict]));
    expect(byName['drain rate ≥ 0.95 × c_ack']).toBe('PASS');
    expect(byName['drain rate ≥ 1.7 × pika_ack']).toBe('PASS');
    expect(byName['consumer CPU, raw → JSONL']).toBe('PASS');
    expect(byName['consumer CPU, ECS → JSONL']).toBe('not run');
    expect(byName['peak RSS draining 1,000,000 events']).toBe('n/a');
    expect(byName['lossless output (N lines, sampled 64-bit ids exact)']).toBe('PASS');
  });

  it('fails the rate and CPU targets when ampstream is slower than 0.95 × C and burns more than 20 µs/event', () => {
    const t = evaluateTargets(rows({ usPerEvent: 31 }, 14000));
    expect(t[0]).toMatchObject({ verdict: 'FAIL', measured: '0.88× (14000 vs 16000 events/s)' });
    expect(t[1]!.verdict).toBe('PASS');
    expect(t[2]).toMatchObject({ verdict: 'FAIL', measured: '31.0 µs/event' });
  });

  it('fails every ampstream target when its drain did not empty the queue', () => {
    const t = evaluateTargets(rows({ depthAfter: 4000 }));
    expect(t.slice(0, 3).map((x) => x.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    expect(t[0]!.measured).toContain('did not drain');
  });

  it('says "not run" rather than FAIL when ampstream was unavailable', () => {
    const r = rows();
    r[3] = summarise(
      'ampstream',
      [{ config: 'ampstream', rep: 1, n: N, status: 'unavailable', note: 'no run command' }],
      amp,
    );
    const t = evaluateTargets(r);
    expect(t.every((x) => x.verdict === 'not run' || x.verdict === 'n/a')).toBe(true);
    expect(formatTargets(t)).toContain(
      '| drain rate ≥ 0.95 × c_ack | ≥ 0.95× | ampstream unavailable | **not run** |',
    );
  });

  it('judges peak RSS only on a 1,000,000-event drain', () => {
    const big = (rss: number): Row[] => [
      summarise('ampstream', [{ ...drain('ampstream', 1, 16000, { peakRssMb: rss }), n: 1_000_000 }], amp),
    ];
    const find = (r: Row[]) => evaluateTargets(r).find((x) => x.target.startsWith('peak RSS'))!;
    expect(find(big(120))).toMatchObject({ verdict: 'PASS', measured: '120 MB' });
    expect(find(big(180)).verdict).toBe('FAIL');
  });
});

describe('formats-at-line-rate targets', () => {
  const mappedRows = (ecs: Partial<DrainResult>, ecsEps: number): Row[] => [
    summarise('c_ack', [drain('c_ack', 1, 16000, { usPerEvent: 8 })], acking),
    summarise('ampstream', [drain('ampstream', 1, 16000, { usPerEvent: 11, peakRssMb: 70 })], amp),
    summarise('ampstream_ecs', [drain('ampstream_ecs', 1, ecsEps, { usPerEvent: 21, ...ecs })], {
      ...amp,
      format: 'ecs',
    }),
  ];
  const byTarget = (r: Row[]) => Object.fromEntries(evaluateRatioTargets(r).map((t) => [t.target, t]));

  it('judges ECS against the raw drain and c_ack of the same run', () => {
    const t = byTarget(mappedRows({ peakRssMb: 90 }, 15500));
    expect(t['ampstream_ecs drain rate ≥ 0.95 × ampstream drain']).toMatchObject({
      verdict: 'PASS',
      measured: '0.97× (15500 vs 16000 events/s)',
    });
    expect(t['consumer CPU/event, ampstream ≤ 1.5 × c_ack']).toMatchObject({
      verdict: 'PASS',
      measured: '1.38× (11.0 vs 8.0 µs/event)',
    });
    expect(t['consumer CPU/event, ampstream_ecs ≤ 2.5 × c_ack']).toMatchObject({
      verdict: 'FAIL',
      measured: '2.63× (21.0 vs 8.0 µs/event)',
    });
    expect(t['peak RSS, ampstream, 200,000 events']).toMatchObject({ verdict: 'PASS', measured: '70 MB' });
    expect(t['peak RSS, ampstream_ecs, 200,000 events']!.verdict).toBe('PASS');
    expect(t['ampstream_ocsf drain rate ≥ 0.95 × ampstream drain']!.verdict).toBe('not run');
  });

  it('fails a mapped drain slower than 0.95 × raw, or above 100 MB', () => {
    const t = byTarget(mappedRows({ peakRssMb: 120 }, 14000));
    expect(t['ampstream_ecs drain rate ≥ 0.95 × ampstream drain']!.verdict).toBe('FAIL');
    expect(t['peak RSS, ampstream_ecs, 200,000 events']).toMatchObject({
      verdict: 'FAIL',
      measured: '120 MB',
    });
  });
});
