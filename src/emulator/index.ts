import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
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
import { Publisher } from './publisher.js';
import { createRestApp } from './rest/app.js';
import { DEFAULT_RATE_LIMIT_PER_HOUR, RateLimiter } from './rest/auth.js';
import { fileStore, memoryStore, type EmulatorState } from './state.js';
import { StreamService } from './streams.js';
import type { EmulatorFleet, EmulatorOptions, RunningEmulator } from './types.js';

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
    const store = options.dataDir !== undefined ? await fileStore(options.dataDir) : memoryStore();
    const ca = await localCa(options.dataDir, host, undo);
    const broker = await startBroker(options, store.state.orgGuid, logger);
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
    const eventLog = new EventLog();
    const state = store.state;
    const amqpHost = publicHost(host);
    const generator = new EventGenerator({
      seed,
      apiUrl: '',
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

    const limiter = new RateLimiter(
      options.rateLimitPerHour ?? DEFAULT_RATE_LIMIT_PER_HOUR,
      Date.now,
      options.rateLimitWindowMs,
    );
    const app = createRestApp({
      credentials: state,
      limiter,
      streams,
      fleet: generator.fleet,
      eventLog,
      baseUrl: () => apiUrl,
      logger,
    });
    const api = await startHttps(app.fetch, ca, host, options.apiPort ?? 0);
    undo.push(() => closeServer(api.server));
    apiUrl = api.url;
    generator.setApiUrl(apiUrl);

    const publisher = new Publisher({ generator, broker, eventLog, orgGuid: state.orgGuid, logger });
    publisher.startRate(options.rate ?? 0);
    undo.push(async () => publisher.stopRate());

    logger.debug({ apiUrl, amqpHost, amqpPort: front.port, caPath: ca.caPath }, 'emulator: ready');
    return runningEmulator(
      { apiUrl, amqpHost, ca, state, generator, publisher, broker, front, streams },
      () => runUndo().then(() => logger.info('emulator: closed')),
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

/** The running emulator's handle, over its parts; `close` runs once. */
function runningEmulator(
  p: {
    apiUrl: string;
    amqpHost: string;
    ca: LocalCa;
    state: EmulatorState;
    generator: EventGenerator;
    publisher: Publisher;
    broker: StreamBroker;
    front: AmqpsFront;
    streams: StreamService;
  },
  closeAll: () => Promise<void>,
): RunningEmulator {
  const { publisher, streams, front, state } = p;
  return {
    apiUrl: p.apiUrl,
    amqpHost: p.amqpHost,
    amqpPort: front.port,
    caPath: p.ca.caPath,
    caPem: p.ca.caPem,
    orgGuid: state.orgGuid,
    clientId: state.clientId,
    apiKey: state.apiKey,
    readOnlyApiKey: state.readOnlyApiKey,
    fleet: publicFleet(p.generator.fleet),
    publish: (count, opts) => publisher.publish(count, opts),
    publishBulk: (count, opts) => publisher.publishBulk(count, opts),
    publishRaw: (body, route) => publisher.publishRaw(body, route),
    broker: p.broker.kind,
    dropConnections: () => front.dropConnections(),
    closeStreamConnections: (id) => streams.closeConnections(id),
    deleteStreamQueue: (id) => streams.deleteQueue(id),
    queueDepth: (id) => streams.queueDepth(id),
    inject: (id, bodies) => streams.inject(id, bodies),
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
