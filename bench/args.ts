import { parseArgs } from 'node:util';

/** (default) events per drain in --streams mode */
export const DEFAULT_STREAMS_N = 60_000;
/** (default) events per drain */
export const DEFAULT_N = 200_000;
/** events per drain in --million (memory) mode */
export const MILLION_N = 1_000_000;
/** abort a consumer when nothing moved for this long, in s */
export const DEFAULT_STALL_SECS = 60;
/** consumers run by default, in this order */
export const DEFAULT_CONSUMERS = [
  'c_ack',
  'pika_ack',
  'pika_batch',
  'pika_asis',
  'ampstream',
  'ampstream_tls',
  'ampstream_builtin',
  'ampstream_ecs',
  'ampstream_ocsf',
] as const;
/** consumers run by default in --million mode (the RSS target is ampstream's) */
export const DEFAULT_MILLION_CONSUMERS = ['c_ack', 'ampstream'] as const;
/** consumers run by default in --sinks mode (bench/sinks.ts) */
export const DEFAULT_SINK_CONSUMERS = [
  'sink_file',
  'sink_http',
  'sink_splunk_hec',
  'sink_syslog',
  'sink_postgres',
  'sink_nats',
] as const;

export interface BenchOptions {
  readonly n: number;
  readonly reps: number;
  readonly million: boolean;
  /** sink drain mode: `ampstream run` into each sink in turn (bench/sinks.ts) */
  readonly sinks: boolean;
  /** streams mode: one process on 5 streams vs 1 stream, same total backlog (bench/streams.ts) */
  readonly streams: boolean;
  readonly only: readonly string[];
  readonly stallSecs: number;
  readonly seed: number;
  /** 'emulator': the emulator's generator (default); 'bench': bench/events.ts (~1.45 KB) */
  readonly events: 'emulator' | 'bench';
  readonly keep: boolean;
  readonly formats: boolean;
  readonly refDir: string | undefined;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

Side-by-side drain benchmark: fills a durable queue on the local RabbitMQ (127.0.0.1:5672)
with N realistic persistent events (~1.1 KB from the emulator generator, or ~1.45 KB with
--events bench) before each consumer, drains it, and prints one table.

  --n N            events per drain (default ${DEFAULT_N})
  --reps R         repetitions, interleaved; medians when R > 1 (default 1)
  --million        memory mode: N = ${MILLION_N}, consumers ${DEFAULT_MILLION_CONSUMERS.join(',')} unless --only
  --sinks          sink drain mode: ampstream run into each sink (${DEFAULT_SINK_CONSUMERS.join(', ')})
                   against real rsyslog (TLS), PostgreSQL and NATS JetStream and in-process
                   HTTP and Splunk HEC receivers; no formats micro-benchmark
  --streams        streams mode: one ampstream run on 5 streams vs on 1 stream, same total
                   backlog (default N ${DEFAULT_STREAMS_N}); target 5 streams ≥ 0.9 × 1 stream
  --only a,b       consumers to run, from: ${DEFAULT_CONSUMERS.join(', ')}, c_noack, pika_p1000, or the --sinks ones
  --stall-secs S   abort a consumer that makes no progress for S s (default ${DEFAULT_STALL_SECS})
  --seed S         event generator seed (default 1)
  --events SET     emulator (default: the emulator's generator, ~1.1 KB/event) or
                   bench (bench/events.ts, ~1.45 KB/event, the README's reference size)
  --keep           keep the consumers' output files in bench/out/
  --no-formats     skip the formats micro-benchmark (bench/formats.ts)
  --ref-dir DIR    directory of c_consume.c and seed_pika.py (default bench/reference)
  --help`;

export class UsageError extends Error {}

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        n: { type: 'string' },
        reps: { type: 'string' },
        million: { type: 'boolean', default: false },
        sinks: { type: 'boolean', default: false },
        streams: { type: 'boolean', default: false },
        only: { type: 'string' },
        'stall-secs': { type: 'string' },
        seed: { type: 'string' },
        events: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'no-formats': { type: 'boolean', default: false },
        'ref-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const million = values.million;
  const sinks = values.sinks;
  const streams = values.streams;
  if ([million, sinks, streams].filter(Boolean).length > 1)
    throw new UsageError('--million, --sinks and --streams are separate modes: pick one');
  const n = positiveInt('n', values.n, million ? MILLION_N : streams ? DEFAULT_STREAMS_N : DEFAULT_N);
  const only =
    values.only === undefined
      ? [...(million ? DEFAULT_MILLION_CONSUMERS : sinks ? DEFAULT_SINK_CONSUMERS : DEFAULT_CONSUMERS)]
      : values.only
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  if (only.length === 0) throw new UsageError('--only needs at least one consumer name');
  const events = values.events ?? 'emulator';
  if (events !== 'emulator' && events !== 'bench')
    throw new UsageError(`--events must be emulator or bench, got "${events}"`);
  return {
    n,
    reps: positiveInt('reps', values.reps, 1),
    million,
    sinks,
    streams,
    only,
    stallSecs: positiveInt('stall-secs', values['stall-secs'], DEFAULT_STALL_SECS),
    seed: values.seed === undefined ? 1 : positiveInt('seed', values.seed, 1),
    events,
    keep: values.keep,
    formats: !values['no-formats'] && !sinks && !streams,
    refDir: values['ref-dir'],
    help: values.help,
  };
}
