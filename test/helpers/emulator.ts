/**
 * Shared test helper for the local Secure Endpoint emulator (src/emulator, docs/emulator.md).
 * By default the emulator is backed by the test RabbitMQ (test/helpers/services.ts, with its
 * management API); `withEmulator(options, 'builtin')` uses the emulator's built-in broker.
 *
 *   const emu = await withEmulator();              // in memory, free ports, seed 1, RabbitMQ
 *   const stream = await createStreamViaRest(emu, { name: `t-${randomUUID()}`, event_type: [1090519054] });
 *   // stream.amqp_credentials = { user_name, password, queue_name, host: 'localhost', port: '<n>', proto: 'https' }
 *   await emu.publish(50, { eventTypeIds: [1090519054] });
 *   const res = await apiRequest(emu, 'GET', '/v1/event_streams');   // { status, headers, body (parsed), text }
 *   amqpsUrl(stream.amqp_credentials)              // amqps://user:pass@localhost:<port>; trust emu.caPem
 *   await emu.close();                             // deletes its queues and broker users
 *
 * `emu.dispatcher` is an undici Agent that trusts the emulator's CA: pass it to undici's
 * `request`/`fetch` as `dispatcher`. Each emulator has its own org GUID and stream ids, so
 * test files can run in parallel against the same broker.
 */
import { Agent, request } from 'undici';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/types.js';
import { RABBIT_MANAGEMENT_URL, RABBIT_URL } from './services.js';

export type BrokerKind = 'rabbitmq' | 'builtin';
export const BROKERS: readonly BrokerKind[] = ['builtin', 'rabbitmq'];

export interface TestEmulator extends RunningEmulator {
  /** undici dispatcher trusting the emulator CA */
  readonly dispatcher: Agent;
}

export async function withEmulator(
  options: EmulatorOptions = {},
  broker: BrokerKind = 'rabbitmq',
): Promise<TestEmulator> {
  const brokerOptions =
    broker === 'rabbitmq' ? { brokerUrl: RABBIT_URL, managementUrl: RABBIT_MANAGEMENT_URL } : {};
  const emu = await startEmulator({ seed: 1, ...brokerOptions, ...options });
  const dispatcher = new Agent({ connect: { ca: emu.caPem } });
  let closing: Promise<void> | undefined;
  return {
    ...emu,
    dispatcher,
    close() {
      closing ??= emu.close().finally(() => dispatcher.close());
      return closing;
    },
  };
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** parsed JSON (plain JSON.parse: 64-bit ids are rounded; use `text` for those) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience: bodies are asserted field by field
  readonly body: any;
  readonly text: string;
}

export interface ApiRequestOptions {
  /** a JSON body (object), or a string sent as-is with `contentType` */
  readonly body?: unknown;
  readonly contentType?: string;
  /** (default: the read & write key) */
  readonly apiKey?: string;
  readonly clientId?: string;
}

export async function apiRequest(
  emu: TestEmulator,
  method: string,
  path: string,
  options: ApiRequestOptions = {},
): Promise<ApiResponse> {
  const auth = Buffer.from(`${options.clientId ?? emu.clientId}:${options.apiKey ?? emu.apiKey}`).toString(
    'base64',
  );
  const headers: Record<string, string> = { authorization: `Basic ${auth}` };
  let body: string | undefined;
  if (typeof options.body === 'string') {
    body = options.body;
    headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await request(`${emu.apiUrl}${path}`, {
    method: method as 'GET',
    headers,
    dispatcher: emu.dispatcher,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text === '' ? undefined : JSON.parse(text),
    text,
  };
}

export interface CreatedStream {
  readonly id: number;
  readonly name: string;
  readonly event_types: number[];
  readonly group_guids: string[];
  readonly amqp_credentials: {
    readonly user_name: string;
    readonly password: string;
    readonly queue_name: string;
    readonly host: string;
    readonly port: string;
    readonly proto: string;
  };
}

/** POST /v1/event_streams with a JSON body; returns the 201 `data` (with the password). */
/**
 * A created stream's AMQP settings as the config's `amqp:` flow mapping, its password taken from
 * `passwordRef` (e.g. `env:TEST_AMQP_PASSWORD`; the caller puts the password there).
 */
export function amqpYaml(c: CreatedStream['amqp_credentials'], passwordRef: string): string {
  return `{ host: ${c.host}, port: ${c.port}, user: '${c.user_name}', password: ${passwordRef}, queue: ${c.queue_name}, proto: https }`;
}

export async function createStreamViaRest(
  emu: TestEmulator,
  body: { name: string; event_type?: (number | string)[]; group_guid?: string[] },
): Promise<CreatedStream> {
  const res = await apiRequest(emu, 'POST', '/v1/event_streams', { body });
  if (res.status !== 201) throw new Error(`create stream: HTTP ${res.status} ${res.text}`);
  return res.body.data as CreatedStream;
}

/** amqps URL of a stream's credentials (connect with `ca: emu.caPem`, servername = host). */
export function amqpsUrl(c: CreatedStream['amqp_credentials']): string {
  return `amqps://${encodeURIComponent(c.user_name)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}`;
}

/** Delete every stream of the emulator's organisation (its limit is 5: tests start from none). */
export async function deleteAllStreams(emu: TestEmulator): Promise<void> {
  const list = await apiRequest(emu, 'GET', '/v1/event_streams');
  for (const s of list.body.data as { id: number }[])
    await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`);
}
