import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import type { AmpError } from '../../src/errors.js';
import { createStreamViaRest, withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';
import { freePort } from '../sinks/http/support/net.js';
import { failure } from '../helpers/failure.js';

/** The API client through a real HTTP proxy (tinyproxy), CONNECT tunnel, TLS end to end. */

const PROXY_PASSWORD = 'Pr0xy-s3cret-pw';

let emu: TestEmulator;
let proxy: RunningTinyproxy;
let authProxy: RunningTinyproxy;

beforeAll(async () => {
  [emu, proxy, authProxy] = await Promise.all([
    withEmulator({ seed: 11 }),
    startTinyproxy(),
    startTinyproxy({ auth: { user: 'ampstream', password: PROXY_PASSWORD } }),
  ]);
});
afterAll(async () => {
  await Promise.all([emu?.close(), proxy?.close(), authProxy?.close()]);
});

const apiPort = (): string => new URL(emu.apiUrl).port;

function client(
  options: Partial<ConstructorParameters<typeof SecureEndpointClient>[0]> = {},
): SecureEndpointClient {
  return new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
    env: {},
    ...options,
  });
}

async function connectsLogged(p: RunningTinyproxy): Promise<number> {
  const log = await p.log();
  return log.split('\n').filter((l) => l.includes(`CONNECT 127.0.0.1:${apiPort()}`)).length;
}

describe('the API client through an HTTP proxy', () => {
  it('lists the event streams of the emulator through the proxy, and the proxy logs the CONNECT', async () => {
    const before = await connectsLogged(proxy);
    const created = await createStreamViaRest(emu, { name: `via-proxy-${Date.now()}` });
    const c = client({ proxy: proxy.url });
    expect(c.proxy).toBe(proxy.url);
    const streams = await c.eventStreams();
    expect(streams.map((s) => s.id)).toContain(created.id);
    await c.close();
    expect(await connectsLogged(proxy)).toBeGreaterThan(before);
  });

  it('keeps TLS verification on through the tunnel: without the emulator CA the certificate is refused', async () => {
    const c = new SecureEndpointClient({
      baseUrl: emu.apiUrl,
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      proxy: proxy.url,
      env: {},
      retry: { maxAttempts: 1 },
    });
    const before = await connectsLogged(proxy);
    const e = await failure(c.version());
    expect(e.code).toBe('API_NETWORK');
    expect(e.message).toMatch(/TLS verification failed/);
    expect(await connectsLogged(proxy)).toBeGreaterThan(before);
    await c.close();
  });

  it('honours HTTPS_PROXY from the environment, and NO_PROXY bypasses it', async () => {
    const before = await connectsLogged(proxy);
    const viaEnv = client({ env: { HTTPS_PROXY: proxy.url } });
    expect(viaEnv.proxy).toBe(proxy.url);
    expect(await viaEnv.version()).toBe('v1.2.0');
    await viaEnv.close();
    const afterEnv = await connectsLogged(proxy);
    expect(afterEnv).toBeGreaterThan(before);

    const bypass = client({ env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
    expect(bypass.proxy).toBeUndefined();
    expect(await bypass.version()).toBe('v1.2.0');
    await bypass.close();
    expect(await connectsLogged(proxy)).toBe(afterEnv);
  });

  it('gives a retryable PROXY_UNREACHABLE error naming the proxy when the proxy is down', async () => {
    const port = await freePort();
    const c = client({ proxy: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseMs: 1, maxMs: 1 } });
    const e = await failure(c.version());
    expect(e.code).toBe('PROXY_UNREACHABLE');
    expect(e.retryable).toBe(true);
    expect(e.exitCode).toBe(69);
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.hint).toContain(`127.0.0.1:${port}`);
    expect(e.details['attempts']).toBe(2);
    await c.close();
  });

  it('goes through a proxy that requires Basic auth when the proxy URL has the credentials', async () => {
    const before = await connectsLogged(authProxy);
    const c = client({ proxy: authProxy.urlWithAuth });
    expect(c.proxy).toBe(`http://ampstream@127.0.0.1:${authProxy.port}`);
    expect(await c.version()).toBe('v1.2.0');
    await c.close();
    expect(await connectsLogged(authProxy)).toBeGreaterThan(before);
  });

  it('gives a non-retryable PROXY_AUTH error with a hint when the proxy password is wrong, and never shows the password', async () => {
    const wrong = `http://ampstream:${encodeURIComponent(`${PROXY_PASSWORD}-wrong`)}@127.0.0.1:${authProxy.port}`;
    const c = client({ proxy: wrong, retry: { maxAttempts: 3, baseMs: 1, maxMs: 1 } });
    const e = await failure(c.version());
    expect(e.code).toBe('PROXY_AUTH');
    expect(e.retryable).toBe(false);
    expect(e.exitCode).toBe(77);
    // tinyproxy 1.11 answers a wrong password with 401 (407 only when no credentials are sent)
    expect([401, 407]).toContain(e.details['status']);
    expect(e.message).toContain(String(e.details['status']));
    expect(e.hint).toMatch(/proxy user or password/);
    const everything = JSON.stringify({ m: e.message, h: e.hint, j: e.toJSON(), c: String(e.cause) });
    expect(everything).not.toContain(PROXY_PASSWORD);
    expect(everything).toContain(`http://ampstream@127.0.0.1:${authProxy.port}`);
    await c.close();
  });

  it('says the proxy wants credentials when none were given (407)', async () => {
    const c = client({ proxy: authProxy.url });
    const e = await failure(c.version());
    expect(e.code).toBe('PROXY_AUTH');
    expect(e.details['status']).toBe(407);
    expect(e.hint).toMatch(/requires authentication/);
    await c.close();
  });

  it('gives a retryable PROXY_REFUSED error with the status when the proxy does not allow the tunnel', async () => {
    const strict = await startTinyproxy({ connectPorts: [443] });
    try {
      const c = client({ proxy: strict.url, retry: { maxAttempts: 2, baseMs: 1, maxMs: 1 } });
      const e = await failure(c.version());
      expect(e.code).toBe('PROXY_REFUSED');
      expect(e.retryable).toBe(true);
      expect(e.details['status']).toBe(403);
      expect(e.details['attempts']).toBe(2);
      expect(e.message).toContain(`refused a tunnel to 127.0.0.1:${apiPort()}`);
      expect(e.hint).toContain(`CONNECT to 127.0.0.1:${apiPort()}`);
      await c.close();
    } finally {
      await strict.close();
    }
  });

  it('refuses a proxy URL that is not http://, without echoing its password', () => {
    expect(() => client({ proxy: `socks5://u:${PROXY_PASSWORD}@127.0.0.1:1080` })).toThrow(
      /only http:\/\/ proxies/,
    );
    try {
      client({ proxy: `socks5://u:${PROXY_PASSWORD}@127.0.0.1:1080` });
    } catch (e) {
      expect(JSON.stringify((e as AmpError).toJSON())).not.toContain(PROXY_PASSWORD);
    }
  });
});
