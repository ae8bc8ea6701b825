import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rootCertificates } from 'node:tls';
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import { Agent, request } from 'undici';
import type { SinkConfig } from '../config/types.js';
import { toAmpError } from '../errors.js';
import type { SecretResolver } from '../secrets/refs.js';
import { loadTls, pemStrings, type LoadedTls, type TlsOptions } from '../sinks/shared/tls.js';
import { silentLogger } from '../telemetry/logger.js';
import { errnoOf, type NetProbes } from './net.js';
import { fail, ok, skip, warnResult, type CheckResult } from './types.js';

/**
 * One probe per sink type: reachable, authenticated, writable, **without writing an event**
 * (and without creating tables or streams). What cannot be known without a write says so.
 */
export interface SinkCheckDeps {
  readonly resolveSecret: SecretResolver;
  readonly net: NetProbes;
  readonly timeoutMs: number;
}

type Options = Readonly<Record<string, unknown>>;

/** a string option, or undefined (the schema already validated the types) */
function str(o: Options, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
type Probe = (S: string, o: Options, deps: SinkCheckDeps) => Promise<CheckResult[]>;

/** (default=1 GiB or 5 %) free space below either is a warning for a file sink */
const LOW_DISK_BYTES = 1024 ** 3;

const probes: Record<string, Probe> = {
  stdout: async (S) => [ok(S, 'writable', 'writes to standard output (whatever reads it must keep up)')],
  file: fileProbe,
  'splunk-hec': hecProbe,
  http: httpProbe,
  postgres: postgresProbe,
  nats: natsProbe,
  syslog: syslogProbe,
};

export async function checkSink(sink: SinkConfig, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const S = `sink ${sink.name} (${sink.type})`;
  const probe = probes[sink.type];
  if (probe === undefined) return [skip(S, 'reachable', `no doctor probe for sink type ${sink.type}`)];
  try {
    return await probe(S, sink.options, deps);
  } catch (e) {
    const err = toAmpError(e);
    return [fail(S, 'reachable', err.message, err.hint, err.code)];
  }
}

async function fileProbe(S: string, o: Options): Promise<CheckResult[]> {
  const path = str(o, 'path') ?? '';
  const dir = dirname(path);
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    return [
      fail(
        S,
        'writable',
        `the directory ${dir} is not usable (${errnoOf(e)})`,
        `create it and let the daemon's user write there (mkdir -p ${dir}; chown; or StateDirectory= under systemd)`,
        'SINK_UNAVAILABLE',
      ),
    ];
  }
  const fileState = await stat(path).then(
    async () => {
      await access(path, constants.W_OK);
      return 'exists, writable';
    },
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return 'will be created';
      throw e;
    },
  );
  const out = [ok(S, 'writable', `${path}: ${fileState} (directory writable)`)];
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const share = fs.blocks === 0 ? 1 : fs.bavail / fs.blocks;
  const evidence = `${(free / 1024 ** 3).toFixed(1)} GiB free (${(share * 100).toFixed(0)} %) on the file system of ${dir}`;
  if (free === 0)
    out.push(
      fail(
        S,
        'disk',
        evidence,
        'free space or move `path`: writes fail with SINK_DISK_FULL and the stream backs up',
        'SINK_DISK_FULL',
      ),
    );
  else if (free < LOW_DISK_BYTES && share < 0.05)
    out.push(warnResult(S, 'disk', evidence, 'free space, lower `maxFiles`/`maxBytes`, or turn on `gzip`'));
  else out.push(ok(S, 'disk', evidence));
  return out;
}

async function tlsOf(o: Options, name: string): Promise<LoadedTls | undefined> {
  const t = o['tls'] as TlsOptions | undefined;
  return t === undefined ? undefined : loadTls(t, name, silentLogger);
}

function agentFor(tls: LoadedTls | undefined, timeoutMs: number): Agent {
  return new Agent({
    connect: {
      timeout: timeoutMs,
      ...(tls?.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca.toString()] }),
      ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls?.key === undefined ? {} : { key: tls.key }),
      ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

const unreachable = (S: string, what: string, e: unknown): CheckResult =>
  fail(
    S,
    'reachable',
    `${what}: ${errnoOf(e)}`,
    'is the service running and reachable from this host (firewall, port, TLS CA)? Until it is, the daemon retries and the events wait in the queue',
    'SINK_UNAVAILABLE',
  );

/**
 * Splunk HEC: `GET /services/collector/health` (no token needed), then the token against an
 * empty `POST /services/collector/event`: Splunk checks the token before the body, so a good
 * token gets 400 "No data" (code 5) and nothing is indexed; a bad one 401/403.
 */
async function hecProbe(S: string, o: Options, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const base = (str(o, 'url') ?? '').replace(/\/+$/, '');
  const agent = agentFor(await tlsOf(o, S), deps.timeoutMs);
  try {
    let health: { statusCode: number; text: string };
    try {
      const r = await request(`${base}/services/collector/health`, { dispatcher: agent });
      health = { statusCode: r.statusCode, text: await r.body.text() };
    } catch (e) {
      return [unreachable(S, `${base}/services/collector/health`, e)];
    }
    const out: CheckResult[] = [];
    if (health.statusCode === 200) out.push(ok(S, 'reachable', `${base}: HEC is healthy`));
    else
      out.push(
        warnResult(
          S,
          'reachable',
          `${base}/services/collector/health answered ${health.statusCode} ${health.text.slice(0, 120)}`,
          'Splunk reports HEC unhealthy (queues full, indexer down): check Splunk',
        ),
      );
    const token = await deps.resolveSecret(str(o, 'token') ?? '');
    const r = await request(`${base}/services/collector/event`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Splunk ${token}`, 'content-type': 'application/json' },
      body: '',
    });
    const text = await r.body.text();
    const code = (JSON.parse(text || '{}') as { code?: number }).code;
    if (r.statusCode === 401 || r.statusCode === 403)
      out.push(
        fail(
          S,
          'authenticated',
          `the HEC token was refused (HTTP ${r.statusCode}, code ${code ?? '?'})`,
          'check the token (and that it is enabled) in Splunk > Settings > Data inputs > HTTP Event Collector',
          'SINK_AUTH',
        ),
      );
    else if (r.statusCode === 400 && code === 5)
      out.push(
        ok(
          S,
          'authenticated',
          'the token is accepted (an empty request answered "No data": nothing was indexed)',
        ),
      );
    else
      out.push(
        warnResult(
          S,
          'authenticated',
          `an empty request answered HTTP ${r.statusCode} ${text.slice(0, 120)}`,
          'check the HEC URL and token',
        ),
      );
    return out;
  } finally {
    await agent.close();
  }
}

/** A generic HTTP endpoint: reachable over TCP (and TLS, verified). A check of its auth would need a write. */
async function httpProbe(S: string, o: Options, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const u = new URL(str(o, 'url') ?? '');
  const port = Number(u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const out = await tcpTls(S, host, port, u.protocol === 'https:', await tlsOf(o, S), deps);
  if (out.every((r) => r.status === 'ok'))
    out.push(
      skip(S, 'authenticated', 'not checked: a generic HTTP endpoint can only be tested by sending an event'),
    );
  return out;
}

async function tcpTls(
  S: string,
  host: string,
  port: number,
  useTls: boolean,
  tls: LoadedTls | undefined,
  deps: SinkCheckDeps,
): Promise<CheckResult[]> {
  let socket;
  try {
    socket = await deps.net.tcp(host, port, deps.timeoutMs);
  } catch (e) {
    return [unreachable(S, `${host}:${port}`, e)];
  }
  if (!useTls) {
    socket.destroy();
    return [ok(S, 'reachable', `${host}:${port} accepts TCP connections`)];
  }
  try {
    const t = await deps.net.tls(socket, {
      servername: tls?.servername ?? host,
      ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
      timeoutMs: deps.timeoutMs,
    });
    if (!t.authorized && tls?.rejectUnauthorized !== false)
      return [
        fail(
          S,
          'reachable',
          `${host}:${port}: the certificate is not trusted (${t.authorizationError ?? '?'}): ${t.chain.join(' ← ')}`,
          'set `tls.ca` to the PEM of the CA that signs the server certificate',
          'SINK_CONFIG',
        ),
      ];
    return [ok(S, 'reachable', `${host}:${port}: ${t.protocol}, certificate trusted`)];
  } catch (e) {
    return [unreachable(S, `${host}:${port} (TLS)`, e)];
  } finally {
    socket.destroy();
  }
}

async function syslogProbe(S: string, o: Options, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const transport = str(o, 'transport') ?? 'tls';
  const host = str(o, 'host') ?? '';
  const port = typeof o['port'] === 'number' ? o['port'] : transport === 'tls' ? 6514 : 514;
  if (transport === 'udp')
    return [
      skip(
        S,
        'reachable',
        `${host}:${port}/udp: UDP has no handshake; delivery cannot be verified (prefer tcp or tls)`,
      ),
    ];
  return tcpTls(S, host, port, transport === 'tls', await tlsOf(o, S), deps);
}

/** PostgreSQL: log in, then ask for INSERT on the table (or CREATE on the schema if it is new). */
async function postgresProbe(S: string, o: Options, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const password =
    o['password'] === undefined ? undefined : await deps.resolveSecret(str(o, 'password') ?? '');
  const tls = await tlsOf(o, S);
  const cs = o['connectionString'] as string | undefined;
  const client = new pg.Client({
    ...(cs === undefined ? { host: '127.0.0.1', port: 5432, user: 'postgres' } : { connectionString: cs }),
    ...(o['host'] === undefined ? {} : { host: str(o, 'host') ?? '' }),
    ...(o['port'] === undefined ? {} : { port: Number(o['port']) }),
    ...(o['user'] === undefined ? {} : { user: str(o, 'user') ?? '' }),
    ...(o['database'] === undefined ? {} : { database: str(o, 'database') ?? '' }),
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { ssl: { ...tls } }),
    connectionTimeoutMillis: deps.timeoutMs,
    application_name: 'ampstream doctor',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '28P01' || code === '28000')
      return [
        fail(
          S,
          'authenticated',
          `PostgreSQL refused the login (${code}): ${(e as Error).message}`,
          'check `user` and `password` (and pg_hba.conf)',
          'SINK_AUTH',
        ),
      ];
    return [unreachable(S, 'PostgreSQL', e)];
  }
  try {
    const schema = str(o, 'schema') ?? 'public';
    const table = str(o, 'table') ?? 'ampstream_events';
    const r = await client.query<{
      who: string;
      exists: boolean;
      can: boolean | null;
      cancreate: boolean | null;
    }>(
      `SELECT current_user AS who, to_regclass($1) IS NOT NULL AS exists,
              CASE WHEN to_regclass($1) IS NULL THEN NULL ELSE has_table_privilege(to_regclass($1), 'INSERT') END AS can,
              CASE WHEN to_regnamespace($2) IS NULL THEN has_database_privilege(current_database(), 'CREATE')
                   ELSE has_schema_privilege($2, 'CREATE') END AS cancreate`,
      [`${schema}.${table}`, schema],
    );
    const row = r.rows[0];
    const out = [ok(S, 'authenticated', `logged in as ${row?.who ?? '?'}`)];
    if (row?.exists === true && row.can === true)
      out.push(ok(S, 'writable', `${schema}.${table} exists; INSERT allowed`));
    else if (row?.exists === true)
      out.push(
        fail(
          S,
          'writable',
          `${schema}.${table} exists but ${row.who} may not INSERT into it`,
          `GRANT INSERT ON ${schema}.${table} TO ${row.who}`,
          'SINK_AUTH',
        ),
      );
    else if (row?.cancreate === true)
      out.push(
        ok(
          S,
          'writable',
          `${schema}.${table} does not exist yet; ${row.who} may create it (the daemon will)`,
        ),
      );
    else
      out.push(
        fail(
          S,
          'writable',
          `${schema}.${table} does not exist and ${row?.who ?? '?'} may not create it`,
          `create it once as an owner (ampstream run does it), or GRANT CREATE ON SCHEMA ${schema}`,
          'SINK_CONFIG',
        ),
      );
    return out;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** NATS: connect and authenticate; publish permission needs a publish, so it is not checked. */
async function natsProbe(S: string, o: Options, deps: SinkCheckDeps): Promise<CheckResult[]> {
  const tls = await tlsOf(o, S);
  const servers = o['servers'] as string | string[];
  try {
    const nc = await natsConnect({
      servers,
      name: 'ampstream doctor',
      timeout: deps.timeoutMs,
      reconnect: false,
      ...(o['user'] === undefined ? {} : { user: str(o, 'user') ?? '' }),
      ...(o['password'] === undefined ? {} : { pass: await deps.resolveSecret(str(o, 'password') ?? '') }),
      ...(o['token'] === undefined ? {} : { token: await deps.resolveSecret(str(o, 'token') ?? '') }),
      ...(tls === undefined
        ? {}
        : {
            tls: {
              ...pemStrings(tls),
            },
          }),
    });
    const where = nc.getServer();
    await nc.close();
    return [ok(S, 'reachable', `connected and authenticated to ${where}`)];
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/authori[sz]ation|auth/i.test(text))
      return [
        fail(
          S,
          'authenticated',
          `NATS refused the login: ${text}`,
          'check `user`/`password` or `token`',
          'SINK_AUTH',
        ),
      ];
    return [unreachable(S, `NATS ${Array.isArray(servers) ? servers.join(',') : servers}`, e)];
  }
}
