import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { normaliseBaseUrl } from '../../src/api/regions.js';
import { main } from '../../src/cli/main.js';

/** The API key never goes out in cleartext: http:// API URLs are refused unless loopback and allowed. */

let server: Server;
let requests = 0;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"version":"v1","errors":[{"error_code":401,"description":"Unauthorized","details":["no"]}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, { AMPSTREAM_LOG_LEVEL: 'error', NO_COLOR: '1' }, env);
  let stderr = '';
  const err = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = (c: string | Uint8Array) => ((stderr += String(c)), true);
  process.stdout.write = () => true;
  try {
    return { code: await main(['node', 'ampstream', ...args]), stderr };
  } finally {
    process.stderr.write = err;
    process.stdout.write = out;
    process.exitCode = undefined;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('cleartext API credentials', () => {
  it('refuses an http:// API URL before sending anything (exit 64)', async () => {
    requests = 0;
    const r = await cli(['streams', 'list', '--api-url', url], {
      AMPSTREAM_CLIENT_ID: 'id',
      AMPSTREAM_API_KEY: 'secret-key',
      AMPSTREAM_VAULT: '/nonexistent/vault.json',
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('the API key would be sent in cleartext');
    expect(requests).toBe(0);
  });

  it('accepts http:// only for a loopback host, and only when allowed explicitly', async () => {
    expect(() => normaliseBaseUrl('http://amp.example.internal', { allowHttp: true })).toThrow(/cleartext/);
    expect(() => normaliseBaseUrl('http://10.0.0.5:8080', { allowHttp: true })).toThrow(/cleartext/);
    expect(() => normaliseBaseUrl('http://127.0.0.1:8080', { allowHttp: false })).toThrow(/cleartext/);
    expect(normaliseBaseUrl('http://127.0.0.1:8080/', { allowHttp: true })).toBe('http://127.0.0.1:8080');
    expect(normaliseBaseUrl('http://localhost:8080', { allowHttp: true })).toBe('http://localhost:8080');
    expect(normaliseBaseUrl('https://amp.example.internal')).toBe('https://amp.example.internal');
    expect(() => new SecureEndpointClient({ baseUrl: url, clientId: 'a', apiKey: 'b' })).toThrow(/cleartext/);
  });

  it('with AMPSTREAM_ALLOW_HTTP=1 a loopback http:// API is used', async () => {
    requests = 0;
    const r = await cli(['streams', 'list', '--api-url', url], {
      AMPSTREAM_CLIENT_ID: 'id',
      AMPSTREAM_API_KEY: 'secret-key',
      AMPSTREAM_VAULT: '/nonexistent/vault.json',
      AMPSTREAM_ALLOW_HTTP: '1',
    });
    expect(r.code).toBe(77); // the test server answers 401
    expect(requests).toBeGreaterThan(0);
  });
});
