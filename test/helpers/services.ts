/**
 * Where the integration tests find their services. `npm test` (scripts/test.sh) starts private,
 * throwaway instances on free ports and passes their addresses in these environment
 * variables; without them (a plain `npx vitest run` on a prepared machine) the usual local
 * ports are used. Every test that talks to RabbitMQ, PostgreSQL or NATS takes its address
 * from here, never from a literal.
 */

function env(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

/** RabbitMQ, AMQP 0-9-1, administrator (guest) credentials */
export const RABBIT_URL = env('AMPSTREAM_TEST_AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672');
const rabbit = new URL(RABBIT_URL);
export const RABBIT_HOST = rabbit.hostname;
export const RABBIT_PORT = Number(rabbit.port || 5672);

/** RabbitMQ's management API base, with credentials (http://guest:guest@host:port) */
export const RABBIT_MANAGEMENT_URL = env(
  'AMPSTREAM_TEST_MANAGEMENT_URL',
  'http://guest:guest@127.0.0.1:15672',
);
const mgmt = new URL(RABBIT_MANAGEMENT_URL);
/** the management API root (`…/api`) without credentials, and the Basic auth header for it */
export const RABBIT_MANAGEMENT_API = `${mgmt.protocol}//${mgmt.host}/api`;
export const RABBIT_MANAGEMENT_AUTH = `Basic ${Buffer.from(`${decodeURIComponent(mgmt.username)}:${decodeURIComponent(mgmt.password)}`).toString('base64')}`;

/** PostgreSQL (trust auth) */
export const PG = {
  host: env('AMPSTREAM_TEST_PG_HOST', '127.0.0.1'),
  port: Number(env('AMPSTREAM_TEST_PG_PORT', '5432')),
  user: env('AMPSTREAM_TEST_PG_USER', 'postgres'),
  database: env('AMPSTREAM_TEST_PG_DATABASE', 'test'),
} as const;

/** NATS with JetStream */
export const NATS_URL = env('AMPSTREAM_TEST_NATS_URL', 'nats://127.0.0.1:4222');
