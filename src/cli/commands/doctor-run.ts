import { detectRegion } from '../../api/detect-region.js';
import { REGIONS, REGION_API_URLS } from '../../api/regions.js';
import { resolveStreamTarget } from '../../daemon/stream-target.js';
import { registeredSinks } from '../../sinks/registry.js';
import { resolveConnection, type ConnectionFlags, type ResolvedConnection } from '../connection.js';
import { loadConfig, type AmpstreamConfig } from '../../config/index.js';
import { toAmpError } from '../../errors.js';
import { resolveProxy } from '../../proxy/settings.js';
import { createSecretResolver } from '../../secrets/refs.js';
import { VaultSession, type VaultStatus } from '../../secrets/session.js';
import { lookAtQueue } from '../../doctor/amqp-probe.js';
import { checkApi } from '../../doctor/api.js';
import { checkDaemon } from '../../doctor/daemon.js';
import { apiHttpProbe } from '../../doctor/http.js';
import { defaultNetProbes, type NetProbes } from '../../doctor/net.js';
import { buildReport } from '../../doctor/report.js';
import { checkSink } from '../../doctor/sinks.js';
import { checkStream, type StreamCheckDeps } from '../../doctor/streams.js';
import { fail, ok, warnResult, type CheckResult, type DoctorReport } from '../../doctor/types.js';
import { checkVault } from '../../doctor/vault.js';

/**
 * `ampstream doctor`: runs every check in order (config, API, vault, daemon, streams, sinks)
 * and returns the report. Every dependency that touches the world is injectable.
 */
export interface DoctorOptions {
  /** --config; else AMPSTREAM_CONFIG; else ./ampstream.yaml (its absence is not fatal) */
  readonly configPath?: string;
  readonly connection: ConnectionFlags;
  /** (default=true) peek at each queue's head message to estimate the oldest event's age */
  readonly peek?: boolean;
  /** (default=5000) budget of each network step, in ms */
  readonly timeoutMs?: number;
}

export interface DoctorDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly net?: NetProbes;
  readonly now?: () => number;
  readonly look?: StreamCheckDeps['look'];
  /** the region the credentials work in, tried when the configured region says 401 */
  readonly detectRegion?: (conn: ResolvedConnection) => Promise<string | undefined>;
}

export async function runDoctor(o: DoctorOptions, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  const net = deps.net ?? defaultNetProbes;
  const timeoutMs = o.timeoutMs ?? 5000;
  const results: CheckResult[] = [];
  const session = new VaultSession({ env, interactive: false });

  // config
  let config: AmpstreamConfig | undefined;
  try {
    const loaded = await loadConfig({
      factories: registeredSinks,
      env,
      ...(o.configPath === undefined ? {} : { path: o.configPath }),
    });
    config = loaded.config;
    results.push(
      ok(
        'config',
        'valid',
        `${loaded.path}: ${config.streams.length} stream(s), ${config.sinks.length} sink(s)`,
      ),
    );
  } catch (e) {
    const err = toAmpError(e);
    if (
      err.code === 'CONFIG_NOT_FOUND' &&
      o.configPath === undefined &&
      env['AMPSTREAM_CONFIG'] === undefined
    )
      results.push(
        warnResult(
          'config',
          'valid',
          `${err.message}: only the API and the vault are checked`,
          'pass --config FILE to check streams and sinks too',
        ),
      );
    else results.push(fail('config', 'valid', err.message, err.hint, err.code));
  }

  // API
  let apiStreams: ReadonlyMap<string, string> | undefined;
  let apiProblem: string | undefined;
  let conn: ResolvedConnection | undefined;
  try {
    conn = await resolveConnection(o.connection, { env, vault: session });
  } catch (e) {
    const err = toAmpError(e);
    apiProblem = 'no API credentials';
    results.push(
      err.code === 'CREDENTIALS_MISSING'
        ? warnResult('api', 'credentials', err.message, err.hint ?? 'run `ampstream login`')
        : fail('api', 'credentials', err.message, err.hint, err.code),
    );
  }
  if (conn !== undefined) {
    const c = conn;
    const baseUrl = c.baseUrl ?? (c.region === undefined ? '' : REGION_API_URLS[c.region]);
    const u = new URL(baseUrl);
    const proxy = resolveProxy({
      configured: c.proxy,
      origin: 'the login proxy',
      host: u.hostname,
      port: Number(u.port === '' ? 443 : u.port),
      env,
    });
    const http = apiHttpProbe({
      baseUrl,
      clientId: c.clientId,
      apiKey: c.apiKey,
      ...(c.ca === undefined ? {} : { ca: c.ca }),
      insecure: c.insecure,
      ...(proxy === undefined ? {} : { proxy }),
      timeoutMs,
    });
    try {
      const api = await checkApi(
        {
          baseUrl,
          ...(c.region === undefined ? {} : { region: c.region }),
          ...(c.ca === undefined ? {} : { ca: c.ca }),
          insecure: c.insecure,
          ...(proxy === undefined ? {} : { proxy }),
        },
        {
          net,
          http,
          timeoutMs,
          now,
          detectRegion: () => (deps.detectRegion ?? defaultDetectRegion)(c),
        },
      );
      results.push(
        ...api.results.map((r) => (r.section === 'api' ? { ...r, section: `api ${baseUrl}` } : r)),
      );
      apiStreams = api.streams;
      if (apiStreams === undefined) apiProblem = 'the API did not list the streams (see the api lines)';
    } finally {
      await http.close();
    }
  }

  // vault
  const needsVault =
    conn?.sources.credentials === 'vault' ||
    (config?.streams.some((s) => s.amqp === undefined) ?? false) ||
    JSON.stringify(config ?? {}).includes('"vault:');
  const vaultStatus = (): Promise<VaultStatus> => session.status();
  results.push(...(await checkVault(env, vaultStatus, needsVault)));
  if (config === undefined) return buildReport(results);

  // daemon, streams, sinks
  const daemon = await checkDaemon(config, timeoutMs);
  results.push(...daemon.results);
  const resolveSecret = createSecretResolver({
    env,
    vault: async () => {
      const s = await vaultStatus();
      if (s.kind === 'open') return async (name: string) => s.vault.get(name);
      if (s.kind === 'unavailable') throw s.error;
      throw toAmpError(
        new Error('a vault: reference was used but there is no vault file'),
        'SECRET_NOT_FOUND',
      );
    },
  });
  const vault = async (): Promise<Awaited<ReturnType<VaultSession['forWrite']>> | undefined> => {
    const s = await vaultStatus();
    if (s.kind === 'unavailable') throw s.error;
    return s.kind === 'open' ? s.vault : undefined;
  };
  for (const stream of config.streams) {
    results.push(
      ...(await checkStream(stream, {
        resolveTarget: (s) => resolveStreamTarget(s, { resolveSecret, vault }),
        look: deps.look ?? lookAtQueue,
        apiStreams,
        apiOrg: o.connection.org,
        ...(apiProblem === undefined ? {} : { apiProblem }),
        ownConsumers: (label) => daemon.own.get(label) ?? 0,
        env,
        now,
        peek: o.peek ?? true,
        timeoutMs,
      })),
    );
  }
  for (const sink of config.sinks)
    results.push(...(await checkSink(sink, { resolveSecret, net, timeoutMs })));
  return buildReport(results);
}

async function defaultDetectRegion(conn: ResolvedConnection): Promise<string | undefined> {
  if (conn.region === undefined) return undefined;
  const others = REGIONS.filter((r) => r !== conn.region).map((region) => ({
    region,
    baseUrl: REGION_API_URLS[region],
  }));
  try {
    const found = await detectRegion(conn.clientId, conn.apiKey, {
      candidates: others,
      ...(conn.proxy === undefined ? {} : { proxy: conn.proxy }),
    });
    return found.region;
  } catch {
    return undefined;
  }
}
