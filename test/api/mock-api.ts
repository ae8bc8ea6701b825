/**
 * Test helper: a SecureEndpointClient wired to an undici MockAgent, with recorded sleeps and a
 * fixed clock, plus envelope/error body builders in the shapes of docs/secure-endpoint-api.md §1.3-1.4.
 */
import { MockAgent, type Interceptable } from 'undici';
import { SecureEndpointClient, type SecureEndpointClientOptions } from '../../src/api/client.js';

export const BASE = 'https://api.amp.cisco.com';
export const NOW = new Date('2024-05-01T12:00:00Z');

export function envelope(data: unknown, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 'v1.2.0', metadata: { links: { self: `${BASE}/v1/x` }, ...metadata }, data };
}

export function errorBody(status: number, description: string, details: string[]): Record<string, unknown> {
  return { version: 'v1.2.0', data: {}, errors: [{ error_code: status, description, details }] };
}

export interface MockedClient {
  client: SecureEndpointClient;
  agent: MockAgent;
  pool: Interceptable;
  sleeps: number[];
}

export function mockedClient(
  options: Partial<SecureEndpointClientOptions> = {},
  origin = BASE,
): MockedClient {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const sleeps: number[] = [];
  const client = new SecureEndpointClient({
    baseUrl: origin,
    clientId: 'client-id-1',
    apiKey: 'api-key-secret-1',
    dispatcher: agent,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...options,
  });
  return { client, agent, pool: agent.get(origin), sleeps };
}

export const STREAM = {
  id: 2051,
  name: 'SIEM',
  event_types: [1090519054, 553648143],
  group_guids: ['3f1a9c2e-5b7d-4e21-9a0c-7d5e2b1f8c44'],
  amqp_credentials: {
    user_name: '2051-4be7a0c1d2e3f4a5b6c7',
    queue_name: 'event_stream_2051',
    host: 'export-streaming.amp.cisco.com',
    port: '443',
    proto: 'https',
  },
};

export const CREATED = {
  id: 2051,
  name: 'SIEM',
  amqp_credentials: { ...STREAM.amqp_credentials, password: '9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d' },
};
