import { z } from 'zod';
import type { Logger } from 'pino';
import { loadTls, tlsSchema } from '../tls.js';
import type { HttpClient } from './client.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.js';

/**
 * The connection settings every sink that POSTs (http, splunk-hec) takes, to spread into its
 * options schema, and the client they open.
 */
export const httpConnectionOptions = {
  tls: tlsSchema.optional(),
  /** (default=30_000) whole-request deadline, in ms */
  timeoutMs: z.number().int().positive().default(DEFAULT_REQUEST_TIMEOUT_MS),
  /** (default=10_000) connect (TCP + TLS) timeout, in ms */
  connectTimeoutMs: z.number().int().positive().default(DEFAULT_CONNECT_TIMEOUT_MS),
  /** (default=false) allow http:// to a loopback receiver (credentials are otherwise never sent in cleartext) */
  allowHttp: z.boolean().default(false),
};

export type HttpConnectionOptions = z.infer<z.ZodObject<typeof httpConnectionOptions>>;

/** The sink's HTTP client, TLS material loaded (throws SINK_CONFIG when it cannot be read). */
export async function openHttpClient(
  sinkName: string,
  o: HttpConnectionOptions,
  logger: Logger,
): Promise<HttpClient> {
  // imported here: the config schemas spread `httpConnectionOptions` without loading undici
  const { HttpClient } = await import('./client.js');
  return new HttpClient({
    sinkName,
    tls: await loadTls(o.tls, sinkName, logger),
    connectTimeoutMs: o.connectTimeoutMs,
    timeoutMs: o.timeoutMs,
  });
}
