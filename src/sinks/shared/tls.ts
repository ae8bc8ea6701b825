import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AmpError } from '../../errors.js';

/**
 * TLS settings shared by the network sinks (http, splunk-hec, syslog, postgres, nats).
 * Verification is on unless `insecure: true` is written in the config, and that choice is
 * logged loudly at start (house rule: an insecure option is an explicit, visible flag).
 */
export const tlsSchema = z
  .object({
    /** (default=the system CAs) PEM file with the CA certificate(s) that sign the server's certificate */
    ca: z.string().min(1).optional(),
    /** PEM client certificate for mutual TLS (with `key`) */
    cert: z.string().min(1).optional(),
    /** PEM private key of `cert` (a file path: keep it 0600) */
    key: z.string().min(1).optional(),
    /** (default=the host name of the destination) name checked against the server certificate */
    servername: z.string().min(1).optional(),
    /** (default=false) DANGEROUS: accept any server certificate. For lab use only. */
    insecure: z.boolean().default(false),
  })
  .strict();

export type TlsOptions = z.infer<typeof tlsSchema>;

/** What node:tls / undici `connect` options need, files already read. */
export interface LoadedTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

/** The PEM material as strings, for clients that take text (NATS), only what is set. */
export function pemStrings(tls: LoadedTls): { ca?: string; cert?: string; key?: string } {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca.toString() }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert.toString() }),
    ...(tls.key === undefined ? {} : { key: tls.key.toString() }),
  };
}

/** Reads the PEM files named by `tls` (at start, so a bad path fails early with a hint). */
export async function loadTls(
  tls: TlsOptions | undefined,
  sinkName: string,
  logger: Logger,
): Promise<LoadedTls> {
  if (tls === undefined) return { rejectUnauthorized: true };
  if (tls.insecure) {
    logger.warn(
      `sink "${sinkName}": TLS certificate verification is DISABLED (tls.insecure: true); anyone on the path can read and alter events`,
    );
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new AmpError('CONFIG_INVALID', `sink "${sinkName}": tls.cert and tls.key go together`, {
      hint: 'set both (client certificate and its key) or neither',
    });
  }
  return {
    ...(tls.ca === undefined ? {} : { ca: await readPem(tls.ca, 'tls.ca', sinkName) }),
    ...(tls.cert === undefined ? {} : { cert: await readPem(tls.cert, 'tls.cert', sinkName) }),
    ...(tls.key === undefined ? {} : { key: await readPem(tls.key, 'tls.key', sinkName) }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: !tls.insecure,
  };
}

async function readPem(path: string, setting: string, sinkName: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new AmpError('CONFIG_INVALID', `sink "${sinkName}": cannot read ${setting} file ${path}`, {
      cause: e,
      hint: 'check the path and that this user may read it',
    });
  }
}

/**
 * Node TLS error codes that mean "the server's certificate is not acceptable". They are
 * classified retryable (a certificate can be renewed on the server side, and backpressure
 * keeps every event in the broker meanwhile) but carry a hint pointing at `tls.ca`.
 */
const TLS_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isTlsCertificateError(e: unknown): boolean {
  const code = errorCode(e);
  return code !== undefined && TLS_CERT_CODES.has(code);
}

export const TLS_CERT_HINT =
  "the server's certificate was not accepted: set tls.ca to the CA that signed it (or tls.servername to the name it holds)";

/** The `code` of a Node/undici error, following `cause` one level when the top has none. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (e as { cause?: unknown }).cause;
  if (typeof cause === 'object' && cause !== null) {
    const c = (cause as { code?: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}
