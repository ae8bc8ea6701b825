import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';

/**
 * The network primitives the checks use, each one step with its own result, so a check can
 * say which step failed (DNS, TCP, TLS) instead of "connection failed". Injected into the
 * checks (`NetProbes`), so the checks themselves are unit-testable.
 */
export interface NetProbes {
  /** the addresses `host` resolves to */
  resolve(host: string): Promise<string[]>;
  /** a connected TCP socket, or a rejection with the errno (ECONNREFUSED, ETIMEDOUT…) */
  tcp(host: string, port: number, timeoutMs: number): Promise<Socket>;
  /** TLS over `socket`; resolves even when verification fails (see `authorizationError`) */
  tls(socket: Socket, options: TlsProbeOptions): Promise<TlsProbeResult>;
}

export interface TlsProbeOptions {
  readonly servername: string;
  /** PEM of an extra CA, added to the public roots */
  readonly ca?: string | Buffer;
  readonly timeoutMs: number;
}

export interface TlsProbeResult {
  readonly authorized: boolean;
  /** OpenSSL's verification code, e.g. SELF_SIGNED_CERT_IN_CHAIN */
  readonly authorizationError?: string;
  /** leaf first: `CN=… (issuer CN=…)` per certificate */
  readonly chain: readonly string[];
  /** the leaf's notAfter, ms since epoch */
  readonly validTo: number;
  readonly protocol: string;
}

export const defaultNetProbes: NetProbes = {
  async resolve(host) {
    if (isIP(host) !== 0) return [host];
    const found = await lookup(host, { all: true });
    return found.map((a) => a.address);
  },
  tcp(host, port, timeoutMs) {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`no TCP connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  },
  tls(socket, options) {
    return new Promise((resolve, reject) => {
      const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()];
      const t: TLSSocket = tlsConnect({
        socket,
        servername: isIP(options.servername) === 0 ? options.servername : '',
        ...(ca === undefined ? {} : { ca }),
        // A diagnostic handshake only: nothing is sent over it and it is closed at once. Node still
        // verifies the chain (t.authorized / authorizationError) and the doctor reports that
        // verdict as OK or FAIL with the reason, instead of just seeing a failed connection.
        rejectUnauthorized: false,
      });
      const timer = setTimeout(() => {
        t.destroy();
        reject(
          Object.assign(new Error(`no TLS handshake within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        );
      }, options.timeoutMs);
      t.once('secureConnect', () => {
        clearTimeout(timer);
        const leaf = t.getPeerCertificate(true);
        const err = t.authorizationError as unknown;
        const result: TlsProbeResult = {
          authorized: t.authorized,
          ...(err === null || err === undefined
            ? {}
            : {
                authorizationError:
                  typeof err === 'string' ? err : ((err as { code?: string }).code ?? 'unverified'),
              }),
          chain: chainOf(leaf),
          validTo: Date.parse(leaf.valid_to),
          protocol: t.getProtocol() ?? 'unknown',
        };
        t.destroy();
        resolve(result);
      });
      t.once('error', (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  },
};

function name(subject: PeerCertificate['subject'] | undefined): string {
  if (subject === undefined) return '?';
  const cn: string | string[] | undefined = subject.CN;
  const o: string | string[] | undefined = subject.O;
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  return `CN=${first(cn) ?? first(o) ?? '?'}`;
}

function chainOf(leaf: PeerCertificate & { issuerCertificate?: PeerCertificate }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  while (c !== undefined && Object.keys(c).length > 0 && !seen.has(c.fingerprint256) && out.length < 6) {
    seen.add(c.fingerprint256);
    out.push(name(c.subject));
    c = c.issuerCertificate;
  }
  if (out.length === 1) out.push(`issuer ${name(leaf.issuer)}`);
  return out;
}

/** errno of a socket failure, for evidence lines */
export function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}
