import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { proxyConnector } from '../api/proxy-connector.js';
import type { ProxySettings } from '../proxy/settings.js';
import { VERSION } from '../version.js';

/** One HTTP request as a check needs it: status, headers, body text; never retried. */
export interface HttpProbe {
  (
    method: 'GET' | 'PATCH',
    path: string,
    options?: { readonly body?: string },
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
  close(): Promise<void>;
}

export interface HttpProbeOptions {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly apiKey: string;
  readonly ca?: string;
  readonly insecure: boolean;
  readonly proxy?: ProxySettings;
  readonly timeoutMs: number;
}

/** The API over undici with the same TLS and proxy settings as the real client, Basic auth. */
export function apiHttpProbe(o: HttpProbeOptions): HttpProbe {
  const tls = {
    ...(o.ca === undefined ? {} : { ca: [...rootCertificates, o.ca] }),
    rejectUnauthorized: !o.insecure,
    timeout: o.timeoutMs,
  };
  const agent = new Agent({
    connect: o.proxy === undefined ? tls : proxyConnector(o.proxy, tls),
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  });
  const auth = `Basic ${Buffer.from(`${o.clientId}:${o.apiKey}`).toString('base64')}`;
  const probe = async (
    method: 'GET' | 'PATCH',
    path: string,
    options: { readonly body?: string } = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> => {
    const res = await request(`${o.baseUrl}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        authorization: auth,
        accept: 'application/json',
        'user-agent': `ampstream/${VERSION} (doctor)`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  };
  return Object.assign(probe, { close: () => agent.close() });
}
