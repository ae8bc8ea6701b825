import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError } from '../../bench/args.js';
import { createEventSource } from '../../bench/events.js';
import { parseMarkdownTable } from '../../bench/formats-runner.js';
import { parseMachineBusySecs, parseProcStat, parseStatusKb, parseTimeVerbose } from '../../bench/procfs.js';
import { otherCores, outputComplete } from '../../bench/observe.js';
import { checkOutput, sampleIndices } from '../../bench/verify.js';

const TIME_V_EXITED = `\tCommand being timed: "./c_consume 200000 q 2000 500 out"
\tUser time (seconds): 1.23
\tSystem time (seconds): 0.57
\tPercent of CPU this job got: 14%
\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:12.31
\tMaximum resident set size (kbytes): 5232
\tExit status: 0
`;

const TIME_V_SIGNALLED = `Command terminated by signal 15
\tCommand being timed: "node main.js run --config x.yaml"
\tUser time (seconds): 4.10
\tSystem time (seconds): 1.00
\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03.5
\tMaximum resident set size (kbytes): 131072
\tExit status: 0
`;

describe('GNU time -v report parsing', () => {
  it('reads CPU seconds, peak RSS in MB, wall time and the exit status of a process that exited', () => {
    expect(parseTimeVerbose(TIME_V_EXITED)).toEqual({
      userSecs: 1.23,
      sysSecs: 0.57,
      maxRssMb: 5232 / 1024,
      wallSecs: 12.31,
      exitStatus: 0,
      signal: undefined,
    });
  });

  it('reports the signal, not an exit status, when the command was killed, and reads h:mm:ss wall times', () => {
    const r = parseTimeVerbose(TIME_V_SIGNALLED);
    expect(r.signal).toBe(15);
    expect(r.exitStatus).toBeUndefined();
    expect(r.maxRssMb).toBe(128);
    expect(r.wallSecs).toBeCloseTo(3723.5, 6);
  });

  it('refuses text that is not a time -v report', () => {
    expect(() => parseTimeVerbose('segmentation fault')).toThrow();
  });
});

describe('/proc parsing', () => {
  it('counts utime + stime after the last parenthesis, so a comm with spaces and ")" does not shift fields', () => {
    const stat = '4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 3 0 100 1000 50';
    expect(parseProcStat(stat, 100).cpuSecs).toBeCloseTo(3.25, 9);
  });

  it('reads VmHWM and VmRSS in MB from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 900000 kB\nVmHWM:\t  153600 kB\nVmRSS:\t  102400 kB\n';
    expect(parseStatusKb(status, 'VmHWM')).toBe(150);
    expect(parseStatusKb(status, 'VmRSS')).toBe(100);
    expect(parseStatusKb('Name:\tkthreadd\n', 'VmHWM')).toBeUndefined();
  });

  it('counts machine busy time as everything in /proc/stat but idle and iowait', () => {
    const stat = 'cpu  1000 50 300 9000 700 10 40 100 0 0\ncpu0 500 25 150 4500 350 5 20 50 0 0\n';
    expect(parseMachineBusySecs(stat, 100)).toBeCloseTo(15, 9);
  });
});

describe('bench command line', () => {
  it('defaults to 200,000 events, one rep and the reference consumers plus ampstream', () => {
    const o = parseBenchArgs([]);
    expect(o.n).toBe(200_000);
    expect(o.reps).toBe(1);
    expect(o.only).toEqual(expect.arrayContaining(['c_ack', 'pika_ack', 'pika_batch', 'ampstream']));
  });

  it('switches to 1,000,000 events and the memory-mode consumers with --million, unless --n and --only say otherwise', () => {
    expect(parseBenchArgs(['--million'])).toMatchObject({
      n: 1_000_000,
      million: true,
      only: ['c_ack', 'ampstream'],
    });
    expect(parseBenchArgs(['--million', '--n', '500_000', '--only', 'ampstream'])).toMatchObject({
      n: 500_000,
      only: ['ampstream'],
    });
  });

  it('runs every sink consumer without the formats micro-benchmark with --sinks, and refuses --sinks with --million', () => {
    expect(parseBenchArgs(['--sinks'])).toMatchObject({
      n: 200_000,
      sinks: true,
      formats: false,
      only: ['sink_file', 'sink_http', 'sink_splunk_hec', 'sink_syslog', 'sink_postgres', 'sink_nats'],
    });
    expect(parseBenchArgs(['--sinks', '--only', 'sink_nats']).only).toEqual(['sink_nats']);
    expect(() => parseBenchArgs(['--sinks', '--million'])).toThrow(UsageError);
  });

  it('rejects a non-positive count and unknown options as usage errors', () => {
    expect(() => parseBenchArgs(['--n', '0'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--reps', 'two'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--events', 'random'])).toThrow(UsageError);
  });
});

describe('bench events and id sampling', () => {
  it('gives odd 64-bit ids above 2^53 that a double cannot hold, written as bare numbers in the body', () => {
    const src = createEventSource(3);
    const id = src.idOf(12345);
    expect(BigInt(id) > 2n ** 53n).toBe(true);
    expect(BigInt(id) % 2n).toBe(1n);
    expect(String(Number(id))).not.toBe(id);
    expect(src.body(12345).toString('utf8').startsWith(`{"id":${id},`)).toBe(true);
    expect(src.body(12345).equals(createEventSource(3).body(12345))).toBe(true);
  });

  it('samples indices evenly with the first and last event included', () => {
    const s = sampleIndices(200_000, 1000);
    expect(s).toHaveLength(1000);
    expect(s[0]).toBe(0);
    expect(s.at(-1)).toBe(199_999);
    expect(new Set(s).size).toBe(1000);
    expect(sampleIndices(5, 1000)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('formats micro-benchmark output', () => {
  it('reads the first markdown table into rows keyed by the header', () => {
    const text = [
      'Formats micro-benchmark (200,000 renders per format)',
      '',
      '| format | events/s per core | µs CPU / event |',
      '|---|---:|---:|',
      '| raw | 9,000,000 | 0.11 |',
      '| ecs | 95,000 | 10.50 |',
      '',
      'footnote | not a row |',
    ].join('\n');
    expect(parseMarkdownTable(text)).toEqual([
      { format: 'raw', 'events/s per core': '9,000,000', 'µs CPU / event': '0.11' },
      { format: 'ecs', 'events/s per core': '95,000', 'µs CPU / event': '10.50' },
    ]);
    expect(parseMarkdownTable('no table here')).toEqual([]);
  });
});

describe('output check', () => {
  it('counts lines and finds sampled ids only as exact strings, so an id rounded through a double is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-verify-'));
    try {
      const ids = ['6533241145273614339', '6533241145273614341', '6533241145273614343'];
      const rounded = String(Number(ids[1])); // what JSON.parse + stringify would write
      const lines = [`{"id":${ids[0]},"x":1}`, `{"id":${rounded},"x":2}`, `b'{"id":${ids[2]},"x":3}'`];
      const path = join(dir, 'out.jsonl');
      writeFileSync(path, `${lines.join('\n')}\n`);
      expect(await checkOutput(path, ids)).toEqual({ lines: 3, sampled: 3, idsFound: 2 });
      writeFileSync(path, lines.join('\n')); // no trailing newline: the last line still counts
      expect((await checkOutput(path, ids)).lines).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drain observation', () => {
  it('ends a drain at the first poll that saw the output at its final size, not at the exit', () => {
    const samples = [
      { t: 1, size: 100, cpu: 0.5 },
      { t: 2, size: 900, cpu: 1.5 },
      { t: 3, size: 1000, cpu: 2.0 },
      { t: 4, size: 1000, cpu: 2.2 },
    ];
    expect(outputComplete(samples, 1000)).toEqual({ t: 3, size: 1000, cpu: 2.0 });
    // a consumer that flushes only when it exits: never seen complete, so the exit ends it
    expect(outputComplete(samples.slice(0, 2), 1000)).toBeUndefined();
    expect(outputComplete([], 0)).toBeUndefined();
  });

  it('counts as other load what the machine burnt beyond consumer, broker and harness, in cores', () => {
    expect(otherCores({ machineDelta: 30, consumer: 4, broker: 12, harness: 2, secs: 12 })).toBeCloseTo(1, 9);
    expect(otherCores({ machineDelta: 10, consumer: 4, broker: 8, harness: 1, secs: 10 })).toBe(0);
    expect(
      otherCores({ machineDelta: undefined, consumer: 4, broker: 8, harness: 1, secs: 10 }),
    ).toBeUndefined();
  });
});
