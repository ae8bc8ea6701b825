import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { errors as undiciErrors } from 'undici';
import { listAll } from '../../src/api/pagination.js';
import { SecureEndpointClient } from '../../src/api/client.js';
import { BASE, CREATED, STREAM, envelope, errorBody, mockedClient, type MockedClient } from './mock-api.js';
import { failure } from '../helpers/failure.js';

let m: MockedClient | undefined;
afterEach(async () => {
  await m?.agent.close();
  m = undefined;
});

/** Set the shared `m` (closed after each test) and return it. */
function mocked(...args: Parameters<typeof mockedClient>): MockedClient {
  m = mockedClient(...args);
  return m;
}

describe('requests and the envelope', () => {
  it('sends Basic auth, asks for gzip, and decodes the envelope', async () => {
    const m = mocked();
    let seen: Record<string, string> = {};
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply((opts) => {
      seen = opts.headers as Record<string, string>;
      return {
        statusCode: 200,
        data: { version: 'v1.2.0', metadata: { links: { self: `${BASE}/v1/version` } }, data: {} },
      };
    });
    expect(await m.client.version()).toBe('v1.2.0');
    expect(seen['authorization']).toBe(
      `Basic ${Buffer.from('client-id-1:api-key-secret-1').toString('base64')}`,
    );
    expect(seen['accept-encoding']).toBe('gzip');
    expect(seen['user-agent']).toMatch(/^ampstream\//);
  });

  it('decompresses gzip bodies', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_types', method: 'GET' })
      .reply(
        200,
        gzipSync(JSON.stringify(envelope([{ id: 1090519054, name: 'Threat Detected', description: 'x' }]))),
        {
          headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
        },
      );
    expect(await m.client.eventTypes()).toEqual([
      { id: 1090519054, name: 'Threat Detected', description: 'x' },
    ]);
  });

  it('sends JSON with the singular request keys when creating a stream', async () => {
    const m = mocked();
    let body: unknown;
    let type = '';
    m.pool.intercept({ path: '/v1/event_streams', method: 'POST' }).reply((opts) => {
      body = JSON.parse(opts.body as string);
      type = (opts.headers as Record<string, string>)['content-type'] ?? '';
      return { statusCode: 201, data: envelope(CREATED) };
    });
    const r = await m.client.createEventStream({
      name: 'SIEM',
      eventTypes: [1090519054],
      groupGuids: ['g-1'],
    });
    expect(type).toBe('application/json');
    expect(body).toEqual({ name: 'SIEM', event_type: [1090519054], group_guid: ['g-1'] });
    expect(r.status).toBe('created');
    expect(r.stream.amqp_credentials.password).toBe(CREATED.amqp_credentials.password);
  });

  it('reads plural keys and a string port from stream listings, without a password', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'GET' })
      .reply(200, envelope([STREAM, { ...STREAM, id: 7, name: 'b', event_types: null }]));
    const streams = await m.client.eventStreams();
    expect(streams[0]).toMatchObject({
      id: 2051,
      event_types: [1090519054, 553648143],
      group_guids: STREAM.group_guids,
    });
    expect(streams[0]?.amqp_credentials.port).toBe('443');
    expect(streams[0]?.amqp_credentials.password).toBeUndefined();
    expect(streams[1]?.event_types).toBeUndefined();
  });

  it('keeps /v1/events ids above 2^53 exact as decimal strings', async () => {
    const m = mocked();
    const text =
      '{"version":"v1.2.0","metadata":{"links":{}},"data":[' +
      '{"id":6533241145273614339,"timestamp":1700000000,"event_type":"Threat Detected","event_type_id":1090519054,"detection_id":"6533241145273614338"},' +
      '{"id":42,"timestamp":1700000001,"event_type":"x","event_type_id":553648130}]}';
    m.pool.intercept({ path: (p) => p.startsWith('/v1/events?'), method: 'GET' }).reply(200, text);
    const events = await listAll(m.client.events({ eventTypes: [1090519054] }));
    expect(events.map((e) => e.id)).toEqual(['6533241145273614339', '42']);
  });

  it('encodes list filters Rails-style with brackets', async () => {
    const m = mocked();
    let path = '';
    m.pool.intercept({ path: (p) => p.startsWith('/v1/events?'), method: 'GET' }).reply((opts) => {
      path = opts.path;
      return { statusCode: 200, data: envelope([]) };
    });
    await listAll(
      m.client.events({
        eventTypes: [1, 2],
        groupGuids: ['g'],
        startDate: new Date('2024-01-01T00:00:00Z'),
        limit: 10,
      }),
    );
    const q = new URL(path, BASE).searchParams;
    expect(q.getAll('event_type[]')).toEqual(['1', '2']);
    expect(q.getAll('group_guid[]')).toEqual(['g']);
    expect(q.get('start_date')).toBe('2024-01-01T00:00:00.000Z');
    expect(q.get('limit')).toBe('10');
  });

  it('refuses a response that is not the documented envelope', async () => {
    const m = mocked();
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, '<html>proxy login</html>');
    expect((await failure(m.client.version())).code).toBe('API_BAD_RESPONSE');
  });
});

describe('pagination', () => {
  it('follows links.next across pages, on our own host even when the link names another', async () => {
    const m = mocked();
    const g = (i: number) => ({ guid: `g-${i}`, name: `Group ${i}` });
    m.pool.intercept({ path: '/v1/groups?limit=2', method: 'GET' }).reply(
      200,
      envelope([g(1), g(2)], {
        links: { next: 'https://api.amp.sourcefire.com/v1/groups?limit=2&offset=2' },
      }),
    );
    m.pool
      .intercept({ path: '/v1/groups?limit=2&offset=2', method: 'GET' })
      .reply(200, envelope([g(3), g(4)], { links: { next: `${BASE}/v1/groups?limit=2&offset=4` } }));
    m.pool
      .intercept({ path: '/v1/groups?limit=2&offset=4', method: 'GET' })
      .reply(200, envelope([g(5)], { links: {} }));
    const names: string[] = [];
    for await (const group of m.client.groups({ limit: 2 })) names.push(group.name);
    expect(names).toEqual(['Group 1', 'Group 2', 'Group 3', 'Group 4', 'Group 5']);
  });

  it('stops when a page links to itself', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/groups?limit=500', method: 'GET' })
      .reply(200, envelope([{ guid: 'a', name: 'A' }], { links: { next: `${BASE}/v1/groups?limit=500` } }));
    expect(await listAll(m.client.groups())).toHaveLength(1);
  });
});

describe('errors', () => {
  const cases: [number, string, string[], string, number, RegExp][] = [
    [401, 'Unauthorized', ['Unknown API key or Client ID'], 'API_UNAUTHORIZED', 77, /API Credentials/],
    [403, 'Forbidden', ['read only'], 'API_FORBIDDEN', 77, /Read & Write/],
    [400, 'Bad Request', ['Name has already been taken'], 'API_NAME_TAKEN', 65, /another name/],
    [400, 'Bad Request', ['Event stream limit reached'], 'API_STREAM_LIMIT', 65, /at most 5/],
    [400, 'Bad Request', ['event_type is invalid'], 'API_BAD_REQUEST', 65, /rejected/],
    [400, 'Bad Request', ['Event stream not found'], 'API_NOT_FOUND', 69, /streams list/],
    [404, 'Not Found', ['Event stream not found'], 'API_NOT_FOUND', 69, /streams list/],
    [502, 'Bad Gateway', [], 'API_SERVER_ERROR', 75, /try again/],
  ];
  for (const [status, description, details, code, exit, hint] of cases) {
    it(`turns HTTP ${status} "${details[0] ?? description}" into ${code} with a hint and exit ${exit}`, async () => {
      const m = mocked({ retry: { maxAttempts: 1 } });
      m.pool
        .intercept({ path: '/v1/event_streams/9', method: 'GET' })
        .reply(status, errorBody(status, description, details));
      const e = await failure(m.client.eventStream(9));
      expect(e.code).toBe(code);
      expect(e.exitCode).toBe(exit);
      expect(e.hint).toMatch(hint);
      for (const d of details) expect(e.message).toContain(d);
      expect(e.message).not.toContain('api-key-secret-1');
      expect(e.details['status']).toBe(status);
    });
  }

  it('classifies network failures and never puts the key in the message', async () => {
    const m = mocked({ retry: { maxAttempts: 1 } });
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const e = await failure(m.client.version());
    expect(e.code).toBe('API_NETWORK');
    expect(e.exitCode).toBe(69);
    expect(e.details['maybeSent']).toBe(false);
  });
});

describe('retries', () => {
  it('retries a GET after 5xx with capped jittered backoff', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .reply(503, errorBody(503, 'Service Unavailable', []))
      .times(2);
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}));
    expect(await m.client.version()).toBe('v1.2.0');
    expect(m.sleeps).toEqual([250, 500]); // random 0.5 × 500 ms, × 1000 ms
  });

  it('retries a GET after a dropped connection and gives up after maxAttempts', async () => {
    const m = mocked({ retry: { maxAttempts: 3 } });
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .replyWithError(new undiciErrors.SocketError('other side closed'))
      .times(3);
    const e = await failure(m.client.version());
    expect(e.code).toBe('API_NETWORK');
    expect(e.details['attempts']).toBe(3);
    expect(m.sleeps).toHaveLength(2);
  });

  it('never retries a POST after a 5xx; finds the stream it created instead', async () => {
    const m = mocked();
    let posts = 0;
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'POST' })
      .reply(() => {
        posts++;
        return { statusCode: 502, data: errorBody(502, 'Bad Gateway', []) };
      })
      .persist();
    m.pool.intercept({ path: '/v1/event_streams', method: 'GET' }).reply(200, envelope([STREAM]));
    const r = await m.client.createEventStream({ name: 'SIEM' });
    expect(posts).toBe(1);
    expect(r.status).toBe('recovered');
    expect(r.stream.id).toBe(2051);
  });

  it('raises API_AMBIGUOUS_CREATE when a POST timed out and no such stream exists', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'POST' })
      .replyWithError(new undiciErrors.HeadersTimeoutError());
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'GET' })
      .reply(200, envelope([{ ...STREAM, name: 'other' }]));
    const e = await failure(m.client.createEventStream({ name: 'SIEM' }));
    expect(e.code).toBe('API_AMBIGUOUS_CREATE');
    expect(e.hint).toMatch(/safe to run the same command again/);
  });

  it('retries a POST whose connection was refused before anything was sent', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    m.pool.intercept({ path: '/v1/event_streams', method: 'POST' }).reply(201, envelope(CREATED));
    expect((await m.client.createEventStream({ name: 'SIEM' })).status).toBe('created');
  });

  it('does not retry a PATCH after a 5xx', async () => {
    const m = mocked();
    let patches = 0;
    m.pool
      .intercept({ path: '/v1/event_streams/2051', method: 'PATCH' })
      .reply(() => {
        patches++;
        return { statusCode: 500, data: errorBody(500, 'Internal Server Error', []) };
      })
      .persist();
    expect((await failure(m.client.updateEventStream(2051, { name: 'x' }))).code).toBe('API_SERVER_ERROR');
    expect(patches).toBe(1);
  });

  it('treats "not found" on a retried DELETE as already deleted, but not on the first attempt', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams/5', method: 'DELETE' })
      .replyWithError(new undiciErrors.SocketError('reset'));
    m.pool
      .intercept({ path: '/v1/event_streams/5', method: 'DELETE' })
      .reply(404, errorBody(404, 'Not Found', ['Event stream not found']));
    await m.client.deleteEventStream(5);
    m.pool
      .intercept({ path: '/v1/event_streams/6', method: 'DELETE' })
      .reply(404, errorBody(404, 'Not Found', ['Event stream not found']));
    expect((await failure(m.client.deleteEventStream(6))).code).toBe('API_NOT_FOUND');
  });
});

describe('rate limits', () => {
  it('exposes the last seen x-ratelimit-* values', async () => {
    const m = mocked();
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}), {
      headers: {
        'x-ratelimit-limit': '3000',
        'x-ratelimit-remaining': '2796',
        'x-ratelimit-reset': '875',
        'x-ratelimit-resetdate': '2024-05-01T12:14:35Z',
      },
    });
    await m.client.version();
    expect(m.client.rateLimit).toMatchObject({ limit: 3000, remaining: 2796, resetSeconds: 875 });
    expect(m.client.rateLimit?.resetAt?.toISOString()).toBe('2024-05-01T12:14:35.000Z');
  });

  it('takes the later reset when x-ratelimit-resetdate (whole seconds) is before now + x-ratelimit-reset', async () => {
    const m = mocked();
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}), {
      headers: { 'x-ratelimit-reset': '876', 'x-ratelimit-resetdate': '2024-05-01T12:14:35Z' },
    });
    await m.client.version();
    expect(m.client.rateLimit?.resetAt?.toISOString()).toBe('2024-05-01T12:14:36.000Z');
  });

  it('reads the documented X-Rate-Limit-* spelling too', async () => {
    const m = mocked();
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}), {
      headers: { 'X-Rate-Limit-Limit': '100', 'X-Rate-Limit-Remaining': '7', 'X-Rate-Limit-Reset': '30' },
    });
    await m.client.version();
    expect(m.client.rateLimit).toMatchObject({ limit: 100, remaining: 7, resetSeconds: 30 });
    expect(m.client.rateLimit?.resetAt?.toISOString()).toBe('2024-05-01T12:00:30.000Z');
  });

  it('waits until the reset on 429 and retries', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'GET' })
      .reply(429, errorBody(429, 'Too Many Requests', []), {
        headers: { 'x-ratelimit-limit': '3000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '12' },
      });
    m.pool.intercept({ path: '/v1/event_streams', method: 'GET' }).reply(200, envelope([STREAM]));
    expect(await m.client.eventStreams()).toHaveLength(1);
    expect(m.sleeps).toEqual([12_250]);
  });

  it('waits a second, not zero, when a 429 says the reset is already past', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .reply(429, errorBody(429, 'Too Many Requests', []), {
        headers: { 'x-ratelimit-reset': '0', 'x-ratelimit-resetdate': '2024-05-01T11:59:58Z' },
      });
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}));
    await m.client.version();
    expect(m.sleeps).toEqual([1_000]);
  });

  it('honours X-Rate-Limit-Reset on 429 as well', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .reply(429, errorBody(429, 'Too Many Requests', []), {
        headers: { 'X-Rate-Limit-Reset': '3' },
      });
    m.pool.intercept({ path: '/v1/version', method: 'GET' }).reply(200, envelope({}));
    await m.client.version();
    expect(m.sleeps).toEqual([3_250]);
  });

  it('retries a POST after a 429 too: the server refused it, nothing was created', async () => {
    const m = mocked();
    m.pool
      .intercept({ path: '/v1/event_streams', method: 'POST' })
      .reply(429, errorBody(429, 'Too Many Requests', []), {
        headers: { 'x-ratelimit-reset': '2' },
      });
    m.pool.intercept({ path: '/v1/event_streams', method: 'POST' }).reply(201, envelope(CREATED));
    expect((await m.client.createEventStream({ name: 'SIEM' })).status).toBe('created');
    expect(m.sleeps).toEqual([2_250]);
  });

  it('fails at once with the reset time in the hint when the wait exceeds the cap', async () => {
    const m = mocked({ maxRateLimitWaitMs: 60_000 });
    m.pool
      .intercept({ path: '/v1/version', method: 'GET' })
      .reply(429, errorBody(429, 'Too Many Requests', []), {
        headers: { 'x-ratelimit-reset': '875', 'x-ratelimit-resetdate': '2024-05-01T12:14:35Z' },
      });
    const e = await failure(m.client.version());
    expect(e.code).toBe('API_RATE_LIMITED');
    expect(e.exitCode).toBe(75);
    expect(e.hint).toContain('rate limited until 2024-05-01T12:14:35.000Z');
    expect(m.sleeps).toEqual([]);
  });
});

describe('construction', () => {
  it('accepts region aliases and rejects a URL with credentials', () => {
    expect(new SecureEndpointClient({ region: 'NA', clientId: 'a', apiKey: 'b' }).baseUrl).toBe(BASE);
    expect(new SecureEndpointClient({ region: 'us', clientId: 'a', apiKey: 'b' }).region).toBe('nam');
    expect(new SecureEndpointClient({ region: 'Europe', clientId: 'a', apiKey: 'b' }).baseUrl).toBe(
      'https://api.eu.amp.cisco.com',
    );
    expect(() => new SecureEndpointClient({ region: 'mars', clientId: 'a', apiKey: 'b' })).toThrow(
      /unknown region/,
    );
    expect(() => new SecureEndpointClient({ baseUrl: 'https://u:p@x', clientId: 'a', apiKey: 'b' })).toThrow(
      /credentials/,
    );
  });
});
