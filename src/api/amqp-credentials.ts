import { DEFAULT_AMQP_URL_PORT } from '../config/defaults.js';
import { AmpError } from '../errors.js';

/**
 * `amqp_credentials` of an event stream (docs/secure-endpoint-api.md §2.3, §2.8, §5 pitfall 2):
 *
 *   "amqp_credentials": { "user_name": "2051-4be7…", "password": "9f1c…", "queue_name":
 *     "event_stream_2051", "host": "export-streaming.amp.cisco.com", "port": "443",
 *     "proto": "https" }
 *
 * - every field is a string, **including `port`**;
 * - `password` is present only in the 201 of the create call (absent or null afterwards);
 * - `proto` is "https", not "amqps": the transport is AMQP 0-9-1 over TLS on that port, so a
 *   client must build an `amqps://` URL from it.
 */
export interface AmqpCredentials {
  readonly user_name: string;
  readonly password?: string | null;
  readonly queue_name: string;
  readonly host: string;
  readonly port: string;
  readonly proto: string;
}

/** What an AMQP client needs to connect and consume one stream. */
export interface AmqpTarget {
  /** amqps://user:pass@host:port (user and password URL-encoded). Secret: never log it. */
  readonly url: string;
  /** The same URL with the password replaced by `***`, for logs and messages. */
  readonly redactedUrl: string;
  /** The queue to passive-declare and consume (`event_stream_<id>`). */
  readonly queue: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** Default ports when `port` is empty: Cisco serves AMQPS on 443 (§1.1); plain AMQP's IANA port. */
export const DEFAULT_AMQPS_PORT = 443;
export const DEFAULT_AMQP_PORT = DEFAULT_AMQP_URL_PORT;

/**
 * Plain AMQP only when the API says so explicitly ("amqp", or "http" by analogy with
 * "https"); "https", "amqps", "tls", "ssl" and anything unknown mean TLS, so a surprise value
 * fails closed (encrypted) rather than open.
 */
export function isTlsProto(proto: string): boolean {
  const p = proto.trim().toLowerCase();
  return p !== 'amqp' && p !== 'http';
}

function parsePort(port: string | number, tls: boolean): number {
  const text = String(port).trim();
  if (text === '') return tls ? DEFAULT_AMQPS_PORT : DEFAULT_AMQP_PORT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new AmpError('API_BAD_RESPONSE', `amqp_credentials.port "${text}" is not a TCP port`, {
      hint: 'the stream credentials look damaged; delete and recreate the stream',
    });
  }
  return n;
}

function urlHost(host: string): string {
  // IPv6 literals need brackets in a URL authority
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function requirePassword(creds: AmqpCredentials): string {
  const password = creds.password;
  if (password === undefined || password === null || password === '') {
    throw new AmpError('CREDENTIALS_MISSING', `no AMQP password for queue ${creds.queue_name}`, {
      hint:
        'Cisco returns a stream password only once, when the stream is created. If it was not saved, ' +
        'delete the stream and create it again (`ampstream streams delete <id>` then `ampstream streams create`).',
    });
  }
  return password;
}

/**
 * Build the AMQP URL for a stream: `proto` "https" (or anything TLS-like) → `amqps://`, the
 * string port, user and password URL-encoded, default vhost "/" (no path).
 * Throws `CREDENTIALS_MISSING` when the password is absent (GET responses never carry it).
 */
export function amqpUrlFromCredentials(creds: AmqpCredentials): string {
  return amqpTargetFromCredentials(creds).url;
}

export function amqpTargetFromCredentials(creds: AmqpCredentials): AmqpTarget {
  const password = requirePassword(creds);
  const tls = isTlsProto(creds.proto);
  const port = parsePort(creds.port, tls);
  const host = creds.host.trim();
  if (host === '') {
    throw new AmpError('API_BAD_RESPONSE', 'amqp_credentials.host is empty', {
      hint: 'the stream credentials look damaged; delete and recreate the stream',
    });
  }
  const scheme = tls ? 'amqps' : 'amqp';
  const user = encodeURIComponent(creds.user_name);
  const authority = `${urlHost(host)}:${port}`;
  return {
    url: `${scheme}://${user}:${encodeURIComponent(password)}@${authority}`,
    redactedUrl: `${scheme}://${user}:***@${authority}`,
    queue: creds.queue_name,
    host,
    port,
    tls,
  };
}
