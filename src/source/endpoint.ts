import { DEFAULT_AMQP_URL_PORT, DEFAULT_AMQPS_URL_PORT } from '../config/defaults.js';

/** Where an `amqp://` or `amqps://` URL points: what a socket (or a proxy tunnel) connects to. */
export interface AmqpEndpoint {
  /** The host name, or an IPv6 literal without its URL brackets (`::1`, not `[::1]`). */
  readonly host: string;
  /** The URL's port, else the scheme's: 5671 for amqps, 5672 for amqp. */
  readonly port: number;
  readonly tls: boolean;
}

export function amqpEndpoint(url: URL): AmqpEndpoint {
  const tls = url.protocol === 'amqps:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (tls ? DEFAULT_AMQPS_URL_PORT : DEFAULT_AMQP_URL_PORT) : Number(url.port),
    tls,
  };
}
