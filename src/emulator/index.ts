import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { AmpError } from '../errors.js';
import { EVENT_TYPES } from '../event/catalog.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { VERSION } from '../version.js';
import { createBuiltinBroker } from './broker/builtin/index.js';
import { startRabbitMqBroker } from './broker/rabbitmq/rabbitmq-broker.js';
import type { StreamBroker } from './broker/stream-broker.js';
import { type LocalCa, ensureLocalCa } from './ca.js';
import { EventLog } from './event-log.js';
import { type AmqpsFront, startAmqpsFront } from './front.js';
import type { Fleet } from './generator/fleet.js';
import { EventGenerator } from './generator/generator.js';
import { createIdSource } from './generator/ids.js';
import { Publisher } from './publisher.js';
import { createRestApp } from './rest/app.js';
import { DEFAULT_RATE_LIMIT_PER_HOUR, RateLimiter, parseBasicAuth } from './rest/auth.js';
import { type EmulatorState, type StateStore, fileStore, freshOrgState, memoryStore } from './state.js';
import { StreamService } from './streams.js';
import type { EmulatorFleet, EmulatorOptions, EmulatorOrganisation, RunningEmulator } from './types.js';

export type * from './types.js';

/**
 * The local Secure Endpoint: REST API v1 over HTTPS with its own CA, event streams backed by
 * queues and per-stream users on a broker — the built-in AMQP 0-9-1 broker in this process
 * (default) or a real RabbitMQ (`brokerUrl`) — an AMQPS (TLS) front, and a seeded event
 * generator. See docs/emulator.md.
 *
 * Lifecycle: `startEmulator` brings everything up (and tears down what it started if a step
 * fails); `close()` stops publishing, closes the listeners and connections, and — for an
 * in-memory emulator only — deletes the queues and broker users it created. With a
 * `dataDir`, streams, keys, the CA and (built-in broker) the queued messages persist and are
 * re-provisioned on the next start.
 */

export const DEFAULT_MANAGEMENT_URL = 'http://guest:guest@127.0.0.1:15672';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_SEED = 1;

const LOOPBACK = new Set(['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost']);

/** The name clients use: `localhost` for loopback/any (the certificate's SAN), else the host. */
function publicHost(host: string): string {
  return LOOPBACK.has(host) ? 'localhost' : host;
}

/** The HTTPS REST listener; `url` is how clients reach it (loopback for an any-address bind). */
async function startHttps(
  fetchFn: (request: Request) => Response | Promise<Response>,
  ca: LocalCa,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createAdaptorServer({
    fetch: fetchFn,
    overrideGlobalObjects: false,
    createServer: createHttpsServer,
    serverOptions: { cert: ca.certPem, key: ca.keyPem },
  }) as Server;
  const bound = await listen(server, port, host);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { server, url: `https://${urlHost}:${bound}` };
}

function publicFleet(fleet: Fleet): EmulatorFleet {
  return {
    groups: fleet.groups.map((g) => ({ guid: g.guid, name: g.name })),
    computers: fleet.computers.map((c) => ({
      connectorGuid: c.connectorGuid,
      hostname: c.hostname,
      groupGuid: c.groupGuid,
    })),
  };
}

/** One served organisation: its state, fleet, streams, REST app and publisher. */
interface OrgRuntime {
  readonly name: string;
  readonly state: EmulatorState;
  readonly generator: EventGenerator;
  readonly streams: StreamService;
  readonly app: { fetch: (request: Request) => Response | Promise<Response> };
  readonly publisher: Publisher;
}

/** `organisations` as names: one → `default`, N → `org1`…`orgN`, a list → itself. */
export function organisationNames(option: EmulatorOptions['organisations']): string[] {
  if (option === undefined || option === 1) return ['default'];
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 1 || option > 100)
      throw new AmpError('USAGE', `organisations must be 1 to 100, not ${option}`);
    return Array.from({ length: option }, (_, i) => `org${i + 1}`);
  }
  const names = [...option];
  if (names.length === 0) throw new AmpError('USAGE', 'organisations: give at least one name');
  const bad = names.find((n) => !/^[a-z0-9_-]+$/.test(n));
  if (bad !== undefined)
    throw new AmpError('USAGE', `organisation name "${bad}" is not a label`, {
      hint: 'lower-case letters, digits, "_" and "-"',
    });
  if (new Set(names).size !== names.length) throw new AmpError('USAGE', 'organisation names must be unique');
  return names;
}

/** The organisation whose client id the request presents (else the first: it answers 401). */
function orgOfRequest(orgs: readonly OrgRuntime[], request: Request): OrgRuntime {
  const user = parseBasicAuth(request.headers.get('authorization'))?.user;
  return orgs.find((o) => o.state.clientId === user) ?? (orgs[0] as OrgRuntime);
}

function publicOrganisation(o: OrgRuntime): EmulatorOrganisation {
  // the state object is replaced on each change; these fields never change
  const s = o.state;
  return {
    name: o.name,
    orgGuid: s.orgGuid,
    clientId: s.clientId,
    apiKey: s.apiKey,
    readOnlyApiKey: s.readOnlyApiKey,
    fleet: publicFleet(o.generator.fleet),
    publish: (count, opts) => o.publisher.publish(count, opts),
    publishBulk: (count, opts) => o.publisher.publishBulk(count, opts),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? DEFAULT_HOST;
  const seed = options.seed ?? DEFAULT_SEED;
  const undo: (() => Promise<unknown>)[] = [];
  const runUndo = async (): Promise<void> => {
    for (const f of undo.reverse()) await f().catch(() => undefined);
  };

  try {
    const orgNames = organisationNames(options.organisations);
    const firstStore = options.dataDir !== undefined ? await fileStore(options.dataDir) : memoryStore();
    const stores: StateStore[] = [firstStore];
    for (let i = 1; i < orgNames.length; i++) {
      const initial = () => freshOrgState(firstStore.state, i);
      stores.push(
        options.dataDir !== undefined
          ? await fileStore(join(options.dataDir, 'orgs', orgNames[i] ?? String(i)), initial)
          : memoryStore(initial()),
      );
    }
    const ca = await localCa(options.dataDir, host, undo);
    const broker = await startBroker(options, firstStore.state.orgGuid, logger);
    undo.push(() => broker.close());

    const front: AmqpsFront = await startAmqpsFront({
      host,
      port: options.amqpsPort ?? 0,
      certPem: ca.certPem,
      keyPem: ca.keyPem,
      target: broker.frontTarget,
      logger,
    });
    undo.push(() => front.close());

    let apiUrl = '';
    const amqpHost = publicHost(host);
    // one id source for every organisation: event ids stay unique across them
    const ids = createIdSource();
    const orgs: OrgRuntime[] = [];
    for (const [i, store] of stores.entries()) {
      const state = store.state;
      const eventLog = new EventLog();
      const generator = new EventGenerator({
        seed: seed + i,
        apiUrl: '',
        ids,
        incidentsWithoutId: options.incidentsWithoutId ?? false,
      });
      const streams = new StreamService({
        store,
        broker,
        brokerCredentials: brokerCredentials(options.brokerUrl),
        validEventTypes: new Set(EVENT_TYPES.map((t) => t.id)),
        validGroupGuids: new Set(generator.fleet.groups.map((g) => g.guid)),
        amqpHost,
        amqpPort: front.port,
        logger,
      });
      if (store.persistent) await streams.restore();
      else undo.push(() => streams.removeAll());
      const app = createRestApp({
        credentials: state,
        limiter: new RateLimiter(
          options.rateLimitPerHour ?? DEFAULT_RATE_LIMIT_PER_HOUR,
          Date.now,
          options.rateLimitWindowMs,
        ),
        streams,
        fleet: generator.fleet,
        eventLog,
        baseUrl: () => apiUrl,
        logger,
      });
      const publisher = new Publisher({ generator, broker, eventLog, orgGuid: state.orgGuid, logger });
      orgs.push({ name: orgNames[i] ?? String(i), state, generator, streams, app, publisher });
    }
    const first = orgs[0];
    if (first === undefined) throw new AmpError('EMULATOR', 'no organisation to serve');
    const api = await startHttps(
      (req) => orgOfRequest(orgs, req).app.fetch(req),
      ca,
      host,
      options.apiPort ?? 0,
    );
    undo.push(() => closeServer(api.server));
    apiUrl = api.url;
    for (const o of orgs) o.generator.setApiUrl(apiUrl);

    first.publisher.startRate(options.rate ?? 0);
    undo.push(async () => first.publisher.stopRate());
    logger.debug({ apiUrl, amqpHost, amqpPort: front.port, caPath: ca.caPath }, 'emulator: ready');
    return runningEmulator({ apiUrl, amqpHost, ca, broker, front, orgs, first }, () =>
      runUndo().then(() => logger.info('emulator: closed')),
    );
  } catch (e) {
    await runUndo();
    throw e;
  }
}

/** The emulator's CA and server certificate: under dataDir, or in a temporary directory removed on close. */
async function localCa(
  dataDir: string | undefined,
  host: string,
  undo: (() => Promise<unknown>)[],
): Promise<LocalCa> {
  if (dataDir !== undefined) return ensureLocalCa(join(dataDir, 'ca'), host);
  const caDir = await mkdtemp(join(tmpdir(), 'ampstream-emulator-ca-'));
  undo.push(() => rm(caDir, { recursive: true, force: true }));
  return ensureLocalCa(caDir, host);
}

/** The broker user the emulator creates stream users with (RabbitMQ), from the broker URL. */
function brokerCredentials(brokerUrl: string | undefined): { user: string; password: string } {
  const address = new URL(brokerUrl ?? 'amqp://guest:guest@localhost');
  return {
    user: decodeURIComponent(address.username || 'guest'),
    password: decodeURIComponent(address.password || 'guest'),
  };
}

/** The built-in broker, or a RabbitMQ the emulator manages (users, queues) through its management API. */
async function startBroker(options: EmulatorOptions, orgGuid: string, logger: Logger): Promise<StreamBroker> {
  const brokerUrl = options.brokerUrl;
  if (brokerUrl === undefined)
    return createBuiltinBroker({
      logger,
      dataDir: options.dataDir === undefined ? undefined : join(options.dataDir, 'queues'),
      maxQueueLength: options.maxQueueLength,
      version: VERSION,
    });
  return startRabbitMqBroker({
    brokerUrl,
    managementUrl: options.managementUrl ?? DEFAULT_MANAGEMENT_URL,
    // one name per organisation, so an operator (or a test) can tell emulators apart
    connectionName: `ampstream-emulator ${orgGuid}`,
    logger,
  });
}

/** The running emulator's handle, over its parts (the first organisation speaks for the one-org API); `close` runs once. */
function runningEmulator(
  p: {
    apiUrl: string;
    amqpHost: string;
    ca: LocalCa;
    broker: StreamBroker;
    front: AmqpsFront;
    orgs: readonly OrgRuntime[];
    first: OrgRuntime;
  },
  closeAll: () => Promise<void>,
): RunningEmulator {
  const { front, first, orgs } = p;
  const organisations = orgs.map(publicOrganisation);
  const main = organisations[0] ?? publicOrganisation(first);
  const streamsOf = (id: number): StreamService =>
    (orgs.find((o) => o.streams.list().some((s) => s.id === id)) ?? first).streams;
  return {
    apiUrl: p.apiUrl,
    amqpHost: p.amqpHost,
    amqpPort: front.port,
    caPath: p.ca.caPath,
    caPem: p.ca.caPem,
    organisations,
    orgGuid: main.orgGuid,
    clientId: main.clientId,
    apiKey: main.apiKey,
    readOnlyApiKey: main.readOnlyApiKey,
    fleet: main.fleet,
    publish: (count, opts) => first.publisher.publish(count, opts),
    publishBulk: (count, opts) => first.publisher.publishBulk(count, opts),
    publishRaw: (body, route) => first.publisher.publishRaw(body, route),
    broker: p.broker.kind,
    dropConnections: () => front.dropConnections(),
    closeStreamConnections: (id) => streamsOf(id).closeConnections(id),
    deleteStreamQueue: (id) => streamsOf(id).deleteQueue(id),
    queueDepth: (id) => streamsOf(id).queueDepth(id),
    inject: (id, bodies) => streamsOf(id).inject(id, bodies),
    close: once(closeAll),
  };
}

/** `f` called at most once; later calls get the first call's promise. */
function once(f: () => Promise<void>): () => Promise<void> {
  let called: Promise<void> | undefined;
  return () => (called ??= f());
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
