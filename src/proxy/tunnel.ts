import { connect, type Socket } from 'node:net';
import { AmpError, ExitCode } from '../errors.js';
import type { ProxySettings } from './settings.js';

/**
 * An HTTP CONNECT tunnel (RFC 9110 §9.3.6) through a proxy: a TCP connection to the proxy,
 * `CONNECT host:port HTTP/1.1` (with `Proxy-Authorization: Basic` when the proxy URL has
 * credentials), then a 2xx answer; from there the socket carries raw bytes to host:port and
 * the caller runs TLS over it (SNI, CA and verification as without a proxy).
 *
 * Failures are AmpErrors, never with the proxy password in them:
 * - PROXY_UNREACHABLE (retryable): the proxy cannot be reached, or did not answer in time;
 * - PROXY_AUTH (not retryable): 407, the proxy wants (other) credentials; also 401, which
 *   some proxies send for wrong ones (tinyproxy 1.11 does; the target cannot have answered yet);
 * - PROXY_REFUSED (retryable): any other non-2xx, or a garbled answer (a proxy that does not
 *   allow this port, or that cannot reach the target right now).
 * Nothing has reached the target when any of these happen (`details.maybeSent: false`).
 */

/** Most bytes of the proxy's answer headers we read before calling it garbled. */
const MAX_RESPONSE_HEAD_BYTES = 16_384;

export interface TunnelOptions {
  /** the whole budget: TCP connect to the proxy + its answer, ms */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export function openTunnel(
  proxy: ProxySettings,
  host: string,
  port: number,
  options: TunnelOptions,
): Promise<Socket> {
  const why = new TunnelErrors(proxy, `${host.includes(':') ? `[${host}]` : host}:${port}`);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    let answered = false;
    let settled = false;
    const settle = (e?: AmpError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('data', onData);
      socket.removeListener('connect', onConnect);
      if (e === undefined) return;
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () =>
        settle(
          why.unreachable(`${answered ? 'no complete answer' : 'no tunnel'} within ${options.timeoutMs} ms`),
        ),
      options.timeoutMs,
    );
    const onAbort = (): void => settle(why.unreachable('aborted'));
    const onError = (e: NodeJS.ErrnoException): void => settle(why.unreachable(e.code ?? e.message, e));
    const onClose = (): void =>
      settle(
        answered
          ? why.refused('the proxy closed the connection in the middle of its answer')
          : why.unreachable('the proxy closed the connection without answering'),
      );
    const onConnect = (): void => void socket.write(connectRequest(proxy, why.target));
    const onData = (chunk: Buffer): void => {
      answered = true;
      head = Buffer.concat([head, chunk]);
      const answer = readAnswer(head);
      if (answer === undefined) return;
      if (answer === 'garbled') return settle(why.refused('its answer is not HTTP'));
      const refusal = why.ofStatus(answer.status, answer.reason);
      if (refusal !== undefined) return settle(refusal);
      settle();
      socket.pause();
      const rest = head.subarray(answer.end);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', onConnect);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
  });
}

/** `CONNECT target HTTP/1.1`, with the proxy credentials when its URL has any. */
function connectRequest(proxy: ProxySettings, target: string): string {
  const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
  if (proxy.username !== undefined || proxy.password !== undefined) {
    const token = Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64');
    lines.push(`Proxy-Authorization: Basic ${token}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * The proxy's answer so far: undefined while its head is incomplete, 'garbled' when it is not
 * HTTP, else its status and where the tunnelled bytes start.
 */
function readAnswer(head: Buffer): { status: number; reason: string; end: number } | 'garbled' | undefined {
  const end = head.indexOf('\r\n\r\n');
  if (end < 0) return head.length > MAX_RESPONSE_HEAD_BYTES ? 'garbled' : undefined;
  const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (m === null) return 'garbled';
  return { status: Number(m[1]), reason: (m[2] ?? '').trim(), end: end + 4 };
}

/** The three ways a tunnel fails, for one proxy and target (see the top of this file). */
class TunnelErrors {
  readonly #proxy: ProxySettings;
  readonly target: string;
  readonly #details: { proxy: string; target: string; maybeSent: false };

  constructor(proxy: ProxySettings, target: string) {
    this.#proxy = proxy;
    this.target = target;
    this.#details = { proxy: proxy.display, target, maybeSent: false };
  }

  unreachable(why: string, cause?: unknown): AmpError {
    const p = this.#proxy;
    return new AmpError('PROXY_UNREACHABLE', `cannot reach the proxy ${p.display}: ${why}`, {
      retryable: true,
      exitCode: ExitCode.UNAVAILABLE,
      ...(cause === undefined ? {} : { cause }),
      details: this.#details,
      hint: `check that the proxy ${p.host}:${p.port} is running and reachable from here (the proxy setting, or HTTPS_PROXY / NO_PROXY)`,
    });
  }

  refused(why: string, status?: number): AmpError {
    const target = this.target;
    return new AmpError(
      'PROXY_REFUSED',
      `the proxy ${this.#proxy.display} refused a tunnel to ${target}: ${why}`,
      {
        retryable: true,
        exitCode: ExitCode.UNAVAILABLE,
        details: status === undefined ? this.#details : { ...this.#details, status },
        hint: `the proxy must allow CONNECT to ${target} (many only allow port 443) and be able to reach it; retrying with backoff`,
      },
    );
  }

  /** The error a non-2xx answer means, or undefined for a tunnel. */
  ofStatus(status: number, reason: string): AmpError | undefined {
    const said = `HTTP ${status}${reason === '' ? '' : ` ${reason}`}`;
    if (status >= 200 && status <= 299) return undefined;
    if (status !== 407 && status !== 401) return this.refused(said, status);
    const anonymous = this.#proxy.username === undefined;
    return new AmpError(
      'PROXY_AUTH',
      `the proxy ${this.#proxy.display} refused ${anonymous ? 'a tunnel without credentials' : 'our credentials'} (${said})`,
      {
        retryable: false,
        exitCode: ExitCode.NOPERM,
        details: { ...this.#details, status },
        hint: anonymous
          ? 'this proxy requires authentication: put the user and password in the proxy URL (http://user:password@host:port)'
          : 'the proxy user or password is wrong: fix the credentials in the proxy URL (http://user:password@host:port)',
      },
    );
  }
}
