/**
 * The HTTP sinks' timeout defaults, apart from the client so that the config schemas can name
 * them without loading the HTTP client (undici) at start-up.
 */

/** (default=10_000) TCP + TLS connect timeout, in ms */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** (default=30_000) whole-request deadline (send, headers, body), in ms */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
