import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { stringify } from 'yaml';
import { Rsyslog } from '../test/helpers/rsyslog.js';
import { DEFAULT_SINK_CONSUMERS } from './args.js';
import { benchConfig, benchNodeArgs, PASSWORD_ENV, prepareBuild, type AmpstreamBuild } from './ampstream.js';
import { BenchHecReceiver, BenchHttpReceiver } from './sink-receivers.js';
import type { ConsumerSpec, DrainContext } from './types.js';

/**
 * The sink drain benchmark (`npm run bench -- --sinks`): `ampstream run` drains the same
 * backlog into each sink in turn, with the sink's defaults (batching, acks, TLS where the
 * sink defaults to it), raw format, and stops by itself once N events are acknowledged
 * (`--stop-after N`): every event is then durably at the destination, since ampstream acks
 * only after the sink has confirmed the batch. The drain ends at the exit.
 *
 * Destinations are real where they run here (rsyslog over TLS, the local PostgreSQL, the
 * local NATS JetStream) and light in-process receivers where they cannot (an HTTP endpoint,
 * Splunk HEC with indexer acks: bench/sink-receivers.ts). After each drain the destination's
 * content is written to the drain's output file, one event per line, and checked like a
 * file consumer's (line count, sampled ids exact). The destination server's own CPU shows in
 * the "other load" column, not in ampstream's.
 */

export const SINK_CONSUMERS = DEFAULT_SINK_CONSUMERS;
export type SinkConsumerName = (typeof SINK_CONSUMERS)[number];

/** PostgreSQL and NATS of this machine (started by scripts/start-services.sh and by .ci/run). */
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
const NATS_URL = 'nats://127.0.0.1:4222';
/** The HEC token goes in through a secret reference, as a user's would. */
const HEC_TOKEN_ENV = 'AMPSTREAM_BENCH_HEC_TOKEN';

interface Destination {
  readonly description: string;
  /** Check the destination can run here; returns why not, or undefined. */
  prepare(): Promise<string | undefined>;
  /** A fresh, empty destination for one drain; returns the sink's config. */
  open(ctx: DrainContext): Promise<Record<string, unknown>>;
  /** Write what the destination holds to ctx.outputPath, one event per line; then clean up. */
  collect(ctx: DrainContext): Promise<void>;
  dispose(): Promise<void>;
}

const suffix = (): string => randomBytes(3).toString('hex');

function fileDestination(): Destination {
  return {
    description: 'file sink (JSONL, fsync on): the baseline',
    prepare: () => Promise.resolve(undefined),
    open: (ctx) =>
      Promise.resolve({ name: 'out', type: 'file', path: ctx.outputPath, fsync: true, maxBytes: 0 }),
    collect: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
  };
}

/** An in-process receiver: started once, a fresh received-bodies file per drain. */
function receiverDestination(
  receiver: BenchHttpReceiver | BenchHecReceiver,
  description: string,
  fileName: string,
  sinkConfig: (url: string) => Record<string, unknown>,
): Destination {
  let received = '';
  return {
    description,
    async prepare() {
      await receiver.start();
      return undefined;
    },
    async open(ctx) {
      received = resolve(ctx.dir, fileName);
      await receiver.reset(received);
      return sinkConfig(receiver.url);
    },
    async collect(ctx) {
      await receiver.closeOutput();
      await copyFile(received, ctx.outputPath);
    },
    dispose: () => receiver.close(),
  };
}

const httpDestination = (): Destination =>
  receiverDestination(
    new BenchHttpReceiver(),
    'http sink, ndjson bodies, to an in-process receiver that appends each body to a file',
    'http-received.ndjson',
    (url) => ({ name: 'out', type: 'http', url: `${url}/ingest`, encoding: 'ndjson' }),
  );

const hecDestination = (): Destination =>
  receiverDestination(
    new BenchHecReceiver(),
    'splunk-hec sink with indexer acknowledgement (ack: true), to an in-process HEC receiver',
    'hec-received.jsonl',
    (url) => ({
      name: 'out',
      type: 'splunk-hec',
      url,
      token: `env:${HEC_TOKEN_ENV}`,
      ack: true,
      allowHttp: true,
    }),
  );

function syslogDestination(): Destination {
  let rsyslog: Rsyslog | undefined;
  return {
    description:
      'syslog sink, RFC 5424 over TLS (octet counting, the defaults), to a real rsyslog writing a file',
    async prepare() {
      try {
        const r = await Rsyslog.start();
        await r.dispose();
        return undefined;
      } catch (e) {
        return `rsyslog cannot start (install Debian's rsyslog and rsyslog-gnutls): ${(e as Error).message.split('\n')[0]}`;
      }
    },
    async open() {
      rsyslog = await Rsyslog.start();
      return {
        name: 'out',
        type: 'syslog',
        host: '127.0.0.1',
        port: rsyslog.tlsPort,
        transport: 'tls',
        tls: { ca: rsyslog.pki.caFile, servername: 'localhost' },
      };
    },
    async collect(ctx) {
      const r = rsyslog;
      rsyslog = undefined;
      if (r === undefined) return;
      await r.stop(); // rsyslog flushes its output file when it exits
      await copyFile(r.outFile, ctx.outputPath);
      await r.dispose();
    },
    async dispose() {
      await rsyslog?.dispose();
    },
  };
}

function postgresDestination(): Destination {
  let table = '';
  const query = async <T extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<T>> => {
    const c = new pg.Client(PG);
    await c.connect();
    try {
      return await c.query<T>(sql);
    } finally {
      await c.end();
    }
  };
  return {
    description: `postgres sink (defaults: pool, multi-row INSERT … ON CONFLICT DO NOTHING) into a fresh table of the local PostgreSQL (${PG.database})`,
    async prepare() {
      try {
        await query('SELECT 1');
        return undefined;
      } catch (e) {
        return `PostgreSQL at ${PG.host}:${PG.port} is not reachable: ${(e as Error).message}`;
      }
    },
    open() {
      table = `ampstream_bench_${suffix()}`;
      return Promise.resolve({ name: 'out', type: 'postgres', ...PG, table });
    },
    async collect(ctx) {
      // ids only (numeric(20,0) as text): the check looks for the exact published ids
      const ids = await query<{ id: string }>(`SELECT event_id::text AS id FROM public.${table}`);
      await writeFile(ctx.outputPath, ids.rows.map((r) => `${r.id}\n`).join(''));
      await query(`DROP TABLE IF EXISTS public.${table}`);
      await query(`DELETE FROM public.ampstream_schema_migrations WHERE target = '${table}'`).catch(
        () => undefined,
      );
    },
    dispose: () => Promise.resolve(),
  };
}

function natsDestination(): Destination {
  let stream = '';
  let nc: NatsConnection | undefined;
  const connection = async (): Promise<NatsConnection> => (nc ??= await natsConnect({ servers: NATS_URL }));
  return {
    description:
      'nats sink, JetStream publish with acks (defaults: maxInflight, Nats-Msg-Id) into a fresh file-backed stream of the local NATS',
    async prepare() {
      try {
        await jetstreamManager(await connection());
        return undefined;
      } catch (e) {
        return `NATS JetStream at ${NATS_URL} is not reachable: ${(e as Error).message}`;
      }
    },
    open() {
      const id = suffix();
      stream = `AMPSTREAM_BENCH_${id}`;
      return Promise.resolve({
        name: 'out',
        type: 'nats',
        servers: NATS_URL,
        subject: `ampstream_bench_${id}.events`,
        createStream: { name: stream },
      });
    },
    async collect(ctx) {
      const c = await connection();
      const jsm = await jetstreamManager(c);
      const lines: string[] = [];
      const info = await jsm.streams.info(stream);
      if (info.state.messages > 0) {
        const messages = await (await jetstream(c).consumers.get(stream)).consume();
        for await (const m of messages) {
          lines.push(`${m.string()}\n`);
          if (m.info.pending === 0) break;
        }
      }
      await writeFile(ctx.outputPath, lines.join(''));
      await jsm.streams.delete(stream).catch(() => false);
    },
    async dispose() {
      await nc?.close();
      nc = undefined;
    },
  };
}

const DESTINATIONS: Record<SinkConsumerName, () => Destination> = {
  sink_file: fileDestination,
  sink_http: httpDestination,
  sink_splunk_hec: hecDestination,
  sink_syslog: syslogDestination,
  sink_postgres: postgresDestination,
  sink_nats: natsDestination,
};

export function isSinkConsumer(name: string): name is SinkConsumerName {
  return (SINK_CONSUMERS as readonly string[]).includes(name);
}

/** `ampstream run` draining into one sink; stops by itself after N acknowledged events. */
export function sinkConsumer(build: AmpstreamBuild, name: SinkConsumerName): ConsumerSpec {
  const dest = DESTINATIONS[name]();
  let sink: Record<string, unknown> | undefined;
  return {
    name,
    description: `ampstream run (compiled, node), raw format, ${dest.description}; stops by itself after N acks (--stop-after), exit included`,
    acks: true,
    stop: 'exits',
    format: 'raw',
    ampstream: false,
    async prepare() {
      await prepareBuild(build);
      if (build.problem !== undefined) return build.problem;
      if (build.stopOption === undefined) return '`ampstream run` has no stop-after option';
      return dest.prepare();
    },
    async before(ctx) {
      sink = await dest.open(ctx);
    },
    launch(ctx) {
      if (sink === undefined) throw new Error(`${name}: before() was not called`);
      const configPath = resolve(ctx.dir, `${name}.yaml`);
      writeFileSync(configPath, stringify(benchConfig(ctx, 'raw', { sinks: [sink] })), { mode: 0o600 });
      return {
        cmd: process.execPath,
        args: [
          ...benchNodeArgs(),
          build.entry,
          'run',
          '--config',
          configPath,
          build.stopOption ?? '--stop-after',
          String(ctx.n),
        ],
        stdout: 'ignore',
        env: { [PASSWORD_ENV]: 'guest', [HEC_TOKEN_ENV]: '00000000-0000-4000-8000-000000000000' },
      };
    },
    collect: (ctx) => dest.collect(ctx),
    dispose: () => dest.dispose(),
  };
}
