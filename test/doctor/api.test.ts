import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkApi, type ApiCheckDeps } from '../../src/doctor/api.js';
import type { HttpProbe } from '../../src/doctor/http.js';
import type { NetProbes } from '../../src/doctor/net.js';

const now = Date.parse('2026-12-04T06:00:00Z');
const DAY = 86_400_000;

/** The API's answers and the network, injected: no socket is opened. */
function deps(o: {
  status?: number;
  date?: string;
  validTo?: number;
  authorized?: boolean;
  detectRegion?: string;
}): ApiCheckDeps {
  const net: NetProbes = {
    resolve: async () => ['192.0.2.10'],
    tcp: async () => new Socket(),
    tls: async () => ({
      authorized: o.authorized ?? true,
      ...(o.authorized === false ? { authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' } : {}),
      chain: ['CN=api.amp.cisco.com', 'CN=Some CA'],
      validTo: o.validTo ?? now + 300 * DAY,
      protocol: 'TLSv1.3',
    }),
  };
  const http = Object.assign(
    async (method: string) => ({
      status: method === 'GET' ? (o.status ?? 200) : 404,
      headers: { date: o.date ?? new Date(now).toUTCString() },
      text: '{"data":[{"id":42,"name":"siem"}]}',
    }),
    { close: async () => undefined },
  ) as HttpProbe;
  return {
    net,
    http,
    timeoutMs: 1000,
    now: () => now,
    ...(o.detectRegion === undefined ? {} : { detectRegion: async () => o.detectRegion }),
  };
}

const ep = { baseUrl: 'https://api.amp.cisco.com', region: 'nam' as const, insecure: false };
const line = (r: Awaited<ReturnType<typeof checkApi>>, check: string) =>
  r.results.find((x) => x.check === check);

describe('API checks (injected network and HTTP)', () => {
  it('names the region the credentials belong to when the configured one answers 401', async () => {
    const r = await checkApi(ep, deps({ status: 401, detectRegion: 'eu' }));
    const region = line(r, 'region');
    expect(region?.status).toBe('fail');
    expect(region?.evidence).toBe('these credentials are accepted in region eu, not nam');
    expect(region?.fix).toBe('use --region eu');
  });

  it('fails a clock that is minutes off the API, warns one that is seconds off', async () => {
    const far = await checkApi(ep, deps({ date: new Date(now - 10 * 60_000).toUTCString() }));
    expect(line(far, 'clock')?.status).toBe('fail');
    expect(line(far, 'clock')?.evidence).toContain('600 s ahead of');
    const near = await checkApi(ep, deps({ date: new Date(now + 45_000).toUTCString() }));
    expect(line(near, 'clock')?.status).toBe('warn');
    expect(line(near, 'clock')?.evidence).toContain('behind');
  });

  it('warns about a certificate that expires soon and fails an untrusted chain before any request', async () => {
    const soon = await checkApi(ep, deps({ validTo: now + 5 * DAY }));
    expect(line(soon, 'tls')?.status).toBe('warn');
    expect(line(soon, 'tls')?.evidence).toContain('expires in 5 day(s)');
    const untrusted = await checkApi(ep, deps({ authorized: false }));
    expect(line(untrusted, 'tls')?.status).toBe('fail');
    expect(line(untrusted, 'tls')?.evidence).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    expect(line(untrusted, 'credentials')?.status).toBe('skip');
  });

  it('lists the streams when the credentials are accepted', async () => {
    const r = await checkApi(ep, deps({}));
    expect(r.streams?.get('42')).toBe('siem');
    expect(line(r, 'region')?.evidence).toBe('the credentials work in region nam');
  });
});
