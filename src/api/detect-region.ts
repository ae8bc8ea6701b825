import { AmpError, isAmpError } from '../errors.js';
import { SecureEndpointClient, type SecureEndpointClientOptions } from './client.js';
import { REGIONS, REGION_API_URLS } from './regions.js';

/**
 * Which cloud do these credentials belong to? Cisco's own create-stream script "automatically
 * determines which AMP cloud" (docs/secure-endpoint-api.md §1.1): try `GET /v1/version` on NA, EU and APJC
 * in turn and take the first host that does not answer 401. A 403 also counts as a match (the
 * key is known there, just not allowed). Hosts are injectable so tests can use emulators.
 */
export interface RegionCandidate {
  readonly region: string;
  readonly baseUrl: string;
}

export const DEFAULT_REGION_CANDIDATES: readonly RegionCandidate[] = REGIONS.map((region) => ({
  region,
  baseUrl: REGION_API_URLS[region],
}));

export interface DetectRegionOptions extends Omit<
  SecureEndpointClientOptions,
  'region' | 'baseUrl' | 'clientId' | 'apiKey'
> {
  readonly candidates?: readonly RegionCandidate[];
}

export interface DetectedRegion extends RegionCandidate {
  readonly version: string;
}

export async function detectRegion(
  clientId: string,
  apiKey: string,
  options: DetectRegionOptions = {},
): Promise<DetectedRegion> {
  const { candidates = DEFAULT_REGION_CANDIDATES, ...clientOptions } = options;
  let lastOther: AmpError | undefined;
  for (const candidate of candidates) {
    const client = new SecureEndpointClient({
      ...clientOptions,
      baseUrl: candidate.baseUrl,
      clientId,
      apiKey,
      retry: { maxAttempts: 2, ...clientOptions.retry },
    });
    try {
      const version = await client.version();
      return { ...candidate, version };
    } catch (e) {
      if (isAmpError(e, 'API_FORBIDDEN')) return { ...candidate, version: '' };
      if (!isAmpError(e)) throw e;
      if (e.code !== 'API_UNAUTHORIZED') lastOther = e;
    } finally {
      await client.close();
    }
  }
  if (lastOther !== undefined) {
    throw new AmpError(lastOther.code, `could not determine the region: ${lastOther.message}`, {
      cause: lastOther,
      retryable: lastOther.retryable,
      details: lastOther.details,
      hint: `${lastOther.hint ?? ''} (or give the region yourself with --region nam|eu|apjc)`.trim(),
    });
  }
  throw new AmpError(
    'API_UNAUTHORIZED',
    `these credentials were refused by every region (${candidates.map((c) => c.region).join(', ')})`,
    {
      hint: 'check the client id and API key, or generate a new key in the Secure Endpoint console › Accounts › API Credentials',
    },
  );
}
