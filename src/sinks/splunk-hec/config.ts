import { cleartextCredentialProblem } from '../shared/cleartext.js';
import { z } from 'zod';
import { httpConnectionOptions } from '../shared/http/options.js';
import { secretRefSchema } from '../shared/secret.js';

/** (default='cisco:amp:event') the sourcetype Splunk's Cisco AMP add-ons use for these events */
export const DEFAULT_SOURCETYPE = 'cisco:amp:event';
/** (default=1_000_000) largest request body, in bytes (uncompressed); Splunk's classic max_content_length */
export const DEFAULT_MAX_REQUEST_BYTES = 1_000_000;
/** (default=500) longest pause between two indexer-acknowledgement polls, in ms (the first comes after 20 ms, then the pause doubles) */
export const DEFAULT_ACK_POLL_INTERVAL_MS = 500;
/** (default=60_000) longest wait for indexer acknowledgement before the batch is sent again, in ms */
export const DEFAULT_ACK_TIMEOUT_MS = 60_000;

export const splunkHecOptionsSchema = z
  .object({
    type: z.literal('splunk-hec'),
    /** HEC base URL, e.g. https://splunk.example.com:8088 (the /services/collector/… paths are added) */
    url: z.url({ protocol: /^https?$/ }),
    /** HEC token: env:NAME, file:PATH or vault:NAME */
    token: secretRefSchema(),
    /** (default=the token's default index) */
    index: z.string().min(1).optional(),
    /** (default='ampstream') */
    source: z.string().min(1).default('ampstream'),
    /** (default='cisco:amp:event') */
    sourcetype: z.string().min(1).default(DEFAULT_SOURCETYPE),
    /** (default=the event's computer.hostname) fixed `host` for every event */
    host: z.string().min(1).optional(),
    /** (default=false) wait for indexer acknowledgement (the token must have it enabled) */
    ack: z.boolean().default(false),
    /** (default=a random GUID per sink instance) X-Splunk-Request-Channel */
    channel: z.guid().optional(),
    /** (default=500) longest pause between ack polls, in ms; polling starts at 20 ms and doubles */
    ackPollIntervalMs: z.number().int().positive().default(DEFAULT_ACK_POLL_INTERVAL_MS),
    /** (default=60_000) in ms; then the write fails retryably and the batch is sent again */
    ackTimeoutMs: z.number().int().positive().default(DEFAULT_ACK_TIMEOUT_MS),
    /** (default=false) gzip request bodies */
    gzip: z.boolean().default(false),
    /** (default=1_000_000) in bytes; a batch larger than this goes in several requests */
    maxRequestBytes: z.number().int().min(1024).default(DEFAULT_MAX_REQUEST_BYTES),
    ...httpConnectionOptions,
  })
  .strict()
  .superRefine((o, ctx) => {
    const problem = cleartextCredentialProblem(o.url, o.allowHttp);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  });

export type SplunkHecOptions = z.infer<typeof splunkHecOptionsSchema>;
