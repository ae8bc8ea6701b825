/** The Secure Endpoint REST v1 client: the public surface of src/api. */
export { SecureEndpointClient, DEFAULT_PAGE_SIZE, type SecureEndpointClientOptions } from './client.js';
export {
  detectRegion,
  DEFAULT_REGION_CANDIDATES,
  type DetectRegionOptions,
  type DetectedRegion,
  type RegionCandidate,
} from './detect-region.js';
export { listAll } from './pagination.js';
export {
  parseRegion,
  regionOfUrl,
  normaliseBaseUrl,
  REGIONS,
  REGION_API_URLS,
  type Region,
} from './regions.js';
export { parseRateLimitHeaders, type RateLimitInfo } from './rate-limit.js';
export {
  amqpUrlFromCredentials,
  amqpTargetFromCredentials,
  isTlsProto,
  type AmqpCredentials,
  type AmqpTarget,
} from './amqp-credentials.js';
export type { RetryOptions, TransportOptions } from './transport.js';
export type * from './types.js';
