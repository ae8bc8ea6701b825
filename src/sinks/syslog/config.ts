import { z } from 'zod';
import { tlsSchema } from '../shared/tls.js';
import { facilityNames, severityNames } from './mapping.js';

/** (default=6514) syslog over TLS, RFC 5425 §4.1 */
export const DEFAULT_TLS_PORT = 6514;
/** (default=514) the customary port for syslog over TCP and UDP */
export const DEFAULT_PLAIN_PORT = 514;
/** (default=10_000) TCP + TLS connect timeout, in ms */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** (default=30_000) longest a batch may take to be handed to the kernel, in ms */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;
/**
 * (default=20) after a batch is written, how long the socket must stay open (no error, no
 * close) before the batch counts as delivered, in ms. A peer that died during the write
 * answers with a reset within about one round trip; raise this on slow links.
 */
export const DEFAULT_CONFIRM_MS = 20;
/** (default='ampstream@32473') 32473 is the documentation enterprise number of RFC 5612 */
export const DEFAULT_SD_ID = 'ampstream@32473';

export const syslogOptionsSchema = z
  .object({
    type: z.literal('syslog'),
    /** receiver host name or IP */
    host: z.string().min(1),
    /** (default=6514 for tls, 514 for tcp and udp) */
    port: z.number().int().min(1).max(65535).optional(),
    /** (default='tls') tcp and tls give at-least-once; udp cannot (fire and forget) */
    transport: z.enum(['tls', 'tcp', 'udp']).default('tls'),
    /** (default='octet-counting') RFC 6587 §3.4.1; 'lf' = newline-terminated (legacy receivers) */
    framing: z.enum(['octet-counting', 'lf']).default('octet-counting'),
    tls: tlsSchema.optional(),
    /** (default='local0') */
    facility: z.enum(facilityNames).default('local0'),
    /** (default: critical→crit, high→err, medium→warning, low→notice, other→info) event severity (lower case) → syslog severity; key 'default' for events without one */
    severityMap: z.record(z.string(), z.enum(severityNames)).default({}),
    /** (default=the event's computer.hostname, else "-") fixed HOSTNAME for every message */
    hostname: z.string().min(1).optional(),
    /** (default='ampstream') APP-NAME */
    appName: z.string().min(1).default('ampstream'),
    /** (default=none: "-") PROCID */
    procId: z.string().min(1).optional(),
    structuredData: z
      .object({
        /** (default=true) add an SD-ELEMENT with id, event_type_id, severity, connector_guid, group_guids */
        enabled: z.boolean().default(true),
        /** (default='ampstream@32473') SD-ID; use your own enterprise number in production */
        id: z.string().min(1).default(DEFAULT_SD_ID),
      })
      .strict()
      .prefault({}),
    /** (default=false) start MSG with a UTF-8 BOM (RFC 5424 MSG-UTF8); many CEF receivers dislike it */
    bom: z.boolean().default(false),
    /** (default=10_000) in ms */
    connectTimeoutMs: z.number().int().positive().default(DEFAULT_CONNECT_TIMEOUT_MS),
    /** (default=30_000) in ms */
    writeTimeoutMs: z.number().int().positive().default(DEFAULT_WRITE_TIMEOUT_MS),
    /** (default=20) in ms; 0 = count a batch delivered as soon as the kernel took it */
    confirmMs: z.number().int().min(0).default(DEFAULT_CONFIRM_MS),
  })
  .strict();

export type SyslogSinkOptions = z.infer<typeof syslogOptionsSchema>;

export function defaultPort(o: Pick<SyslogSinkOptions, 'port' | 'transport'>): number {
  return o.port ?? (o.transport === 'tls' ? DEFAULT_TLS_PORT : DEFAULT_PLAIN_PORT);
}
