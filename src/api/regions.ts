import { AmpError } from '../errors.js';
import { isLoopbackHost } from '../util/net.js';

/**
 * Cisco cloud regions (docs/secure-endpoint-api.md §1.1):
 *
 *   North America  https://api.amp.cisco.com        export-streaming.amp.cisco.com:443
 *   Europe         https://api.eu.amp.cisco.com     export-streaming.eu.amp.cisco.com:443
 *   Asia Pacific   https://api.apjc.amp.cisco.com   export-streaming.apjc.amp.cisco.com:443
 */
export type Region = 'nam' | 'eu' | 'apjc';

export const REGIONS: readonly Region[] = ['nam', 'eu', 'apjc'];

export const REGION_API_URLS: Readonly<Record<Region, string>> = {
  nam: 'https://api.amp.cisco.com',
  eu: 'https://api.eu.amp.cisco.com',
  apjc: 'https://api.apjc.amp.cisco.com',
};

const ALIASES: Readonly<Record<string, Region>> = {
  nam: 'nam',
  na: 'nam',
  us: 'nam',
  usa: 'nam',
  amer: 'nam',
  americas: 'nam',
  'north-america': 'nam',
  northamerica: 'nam',
  eu: 'eu',
  europe: 'eu',
  emea: 'eu',
  apjc: 'apjc',
  apj: 'apjc',
  ap: 'apjc',
  asia: 'apjc',
  apac: 'apjc',
  jp: 'apjc',
};

/** `na`, `NA`, `us`, `Europe`, `APJC`… → the canonical region; USAGE error otherwise. */
export function parseRegion(input: string): Region {
  const key = input
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  const region = ALIASES[key];
  if (region === undefined) {
    throw new AmpError('USAGE', `unknown region "${input}"`, {
      hint: 'use nam (North America), eu (Europe) or apjc (Asia Pacific, Japan, China), or --api-url for a private cloud',
    });
  }
  return region;
}

/** The region whose API host this URL is, if any (for display). */
export function regionOfUrl(url: string): Region | undefined {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return undefined;
  }
  return REGIONS.find((r) => REGION_API_URLS[r] === origin);
}

export { isLoopbackHost };

/**
 * Validate a base URL (private cloud, emulator): https, no credentials in it, no query;
 * returned without a trailing slash. Every API request carries the API key (HTTP Basic), so
 * `http://` is refused: it is accepted only for a loopback host and only when allowed
 * explicitly (`allowHttp`, or AMPSTREAM_ALLOW_HTTP=1 in the environment).
 */
export function normaliseBaseUrl(input: string, options: { readonly allowHttp?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new AmpError('USAGE', `"${input}" is not a URL`, {
      hint: 'e.g. --api-url https://amp.example.internal',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AmpError('USAGE', `the API URL must be https:// (got ${url.protocol})`);
  }
  if (url.protocol === 'http:') {
    const allowed = options.allowHttp ?? process.env['AMPSTREAM_ALLOW_HTTP'] === '1';
    if (!allowed || !isLoopbackHost(url.hostname)) {
      throw new AmpError('USAGE', `refusing http://${url.host}: the API key would be sent in cleartext`, {
        hint: isLoopbackHost(url.hostname)
          ? 'use https://, or for a local test server set AMPSTREAM_ALLOW_HTTP=1'
          : 'use https:// (plain http is accepted only for a loopback address, with AMPSTREAM_ALLOW_HTTP=1)',
      });
    }
  }
  if (url.username !== '' || url.password !== '') {
    throw new AmpError('USAGE', 'the API URL must not contain credentials', {
      hint: 'give them with --client-id and the API key from a prompt, stdin or AMPSTREAM_API_KEY',
    });
  }
  if (url.search !== '' || url.hash !== '')
    throw new AmpError('USAGE', 'the API URL must not have a query or fragment');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
