import { detectRegion } from '../../api/detect-region.js';
import { REGIONS, REGION_API_URLS } from '../../api/regions.js';
import { resolveStreamTarget } from '../../daemon/stream-target.js';
import { registeredSinks } from '../../sinks/registry.js';
import { resolveConnection, type ConnectionFlags, type ResolvedConnection } from '../connection.js';
import { loadConfig, type AmpstreamConfig } from '../../config/index.js';
import { toAmpError } from '../../errors.js';
import { resolveProxy, type ProxySettings } from '../../proxy/settings.js';
import { createSecretResolver, type SecretResolver } from '../../secrets/refs.js';
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
  const ctx: DoctorContext = {
    o,
    deps,
    env,
    now: deps.now ?? Date.now,
    net: deps.net ?? defaultNetProbes,
    timeoutMs: o.timeoutMs ?? 5000,
    session: new VaultSession({ env, interactive: false }),
  };
  const config = await checkConfig(ctx);
  const api = await checkLogin(ctx);
  const needsVault =
    api.conn?.sources.credentials === 'vault' ||
    (config.config?.streams.some((s) => s.amqp === undefined) ?? false) ||
    JSON.stringify(config.config ?? {}).includes('"vault:');
  const vault = await checkVault(env, () => ctx.session.status(), needsVault);
  const results = [...config.results, ...api.results, ...vault];
  if (config.config !== undefined) results.push(...(await checkRuntime(config.config, api, ctx)));
  return buildReport(results);
}

/** What every step of the doctor shares. */
interface DoctorContext {
  readonly o: DoctorOptions;
  readonly deps: DoctorDeps;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  readonly net: NetProbes;
  readonly timeoutMs: number;
  readonly session: VaultSession;
}

/** What the API step learnt, for the stream checks. */
interface ApiFindings {
  readonly results: CheckResult[];
  readonly conn?: ResolvedConnection;
  readonly apiStreams?: ReadonlyMap<string, string>;
  readonly apiProblem?: string;
}

async function checkConfig(
  ctx: DoctorContext,
): Promise<{ config?: AmpstreamConfig; results: CheckResult[] }> {
  const { o, env } = ctx;
  try {
    const loaded = await loadConfig({
      factories: registeredSinks,
      env,
      ...(o.configPath === undefined ? {} : { path: o.configPath }),
    });
    const config = loaded.config;
    const evidence = `${loaded.path}: ${config.streams.length} stream(s), ${config.sinks.length} sink(s)`;
    return { config, results: [ok('config', 'valid', evidence)] };
  } catch (e) {
    const err = toAmpError(e);
    const noConfigGiven = o.configPath === undefined && env['AMPSTREAM_CONFIG'] === undefined;
    if (err.code === 'CONFIG_NOT_FOUND' && noConfigGiven) {
      const message = `${err.message}: only the API and the vault are checked`;
      return {
        results: [
          warnResult('config', 'valid', message, 'pass --config FILE to check streams and sinks too'),
        ],
      };
    }
    return { results: [fail('config', 'valid', err.message, err.hint, err.code)] };
  }
}

/** The API credentials, then the API itself (reachability, TLS, auth, region, the stream list). */
async function checkLogin(ctx: DoctorContext): Promise<ApiFindings> {
  let conn: ResolvedConnection;
  try {
    conn = await resolveConnection(ctx.o.connection, { env: ctx.env, vault: ctx.session });
  } catch (e) {
    const err = toAmpError(e);
    const result =
      err.code === 'CREDENTIALS_MISSING'
        ? warnResult('api', 'credentials', err.message, err.hint ?? 'run `ampstream login`')
        : fail('api', 'credentials', err.message, err.hint, err.code);
    return { results: [result], apiProblem: 'no API credentials' };
  }
  const c = conn;
  const endpoint = apiEndpoint(c, ctx.env);
  const baseUrl = endpoint.baseUrl;
  const http = apiHttpProbe({
    ...endpoint,
    clientId: c.clientId,
    apiKey: c.apiKey,
    timeoutMs: ctx.timeoutMs,
  });
  try {
    const api = await checkApi(
      { ...endpoint, ...(c.region === undefined ? {} : { region: c.region }) },
      {
        net: ctx.net,
        http,
        timeoutMs: ctx.timeoutMs,
        now: ctx.now,
        detectRegion: () => (ctx.deps.detectRegion ?? defaultDetectRegion)(c),
      },
    );
    const results = api.results.map((r) => (r.section === 'api' ? { ...r, section: `api ${baseUrl}` } : r));
    if (api.streams === undefined)
      return { results, conn, apiProblem: 'the API did not list the streams (see the api lines)' };
    return { results, conn, apiStreams: api.streams };
  } finally {
    await http.close();
  }
}

/** Where the API is and how to reach it (CA, TLS verification, proxy). */
function apiEndpoint(
  c: ResolvedConnection,
  env: NodeJS.ProcessEnv,
): { baseUrl: string; ca?: string; insecure: boolean; proxy?: ProxySettings } {
  const baseUrl = c.baseUrl ?? (c.region === undefined ? '' : REGION_API_URLS[c.region]);
  const u = new URL(baseUrl);
  const proxy = resolveProxy({
    configured: c.proxy,
    origin: 'the login proxy',
    host: u.hostname,
    port: Number(u.port === '' ? 443 : u.port),
    env,
  });
  return {
    baseUrl,
    ...(c.ca === undefined ? {} : { ca: c.ca }),
    insecure: c.insecure,
    ...(proxy === undefined ? {} : { proxy }),
  };
}

/** The daemon (already running?), every stream, every sink of the config. */
async function checkRuntime(
  config: AmpstreamConfig,
  api: ApiFindings,
  ctx: DoctorContext,
): Promise<CheckResult[]> {
  const { env, now, net, timeoutMs } = ctx;
  const daemon = await checkDaemon(config, timeoutMs);
  const results = [...daemon.results];
  const { resolveSecret, vault } = vaultAccess(ctx.session, env);
  for (const stream of config.streams) {
    results.push(
      ...(await checkStream(stream, {
        resolveTarget: (s) => resolveStreamTarget(s, { resolveSecret, vault }),
        look: ctx.deps.look ?? lookAtQueue,
        apiStreams: api.apiStreams,
        apiOrg: ctx.o.connection.org,
        ...(api.apiProblem === undefined ? {} : { apiProblem: api.apiProblem }),
        ownConsumers: (label) => daemon.own.get(label) ?? 0,
        env,
        now,
        peek: ctx.o.peek ?? true,
        timeoutMs,
      })),
    );
  }
  for (const sink of config.sinks)
    results.push(...(await checkSink(sink, { resolveSecret, net, timeoutMs })));
  return results;
}

/** Secret references and stream passwords read through the vault, when there is one. */
function vaultAccess(
  session: VaultSession,
  env: NodeJS.ProcessEnv,
): {
  resolveSecret: SecretResolver;
  vault: () => Promise<Awaited<ReturnType<VaultSession['forWrite']>> | undefined>;
} {
  const vaultStatus = (): Promise<VaultStatus> => session.status();
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
  return { resolveSecret, vault };
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
