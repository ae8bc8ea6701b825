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
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const details = { proxy: proxy.display, target, maybeSent: false };
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    let answered = false;
    let settled = false;
    const fail = (e: AmpError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(e);
    };
    const unreachable = (why: string, cause?: unknown): AmpError =>
      new AmpError('PROXY_UNREACHABLE', `cannot reach the proxy ${proxy.display}: ${why}`, {
        retryable: true,
        exitCode: ExitCode.UNAVAILABLE,
        ...(cause === undefined ? {} : { cause }),
        details,
        hint: `check that the proxy ${proxy.host}:${proxy.port} is running and reachable from here (the proxy setting, or HTTPS_PROXY / NO_PROXY)`,
      });
    const timer = setTimeout(
      () =>
        fail(
          answered
            ? unreachable(`no complete answer within ${options.timeoutMs} ms`)
            : unreachable(`no tunnel within ${options.timeoutMs} ms`),
        ),
      options.timeoutMs,
    );
    const onAbort = (): void => fail(unreachable('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onError = (e: NodeJS.ErrnoException): void => fail(unreachable(e.code ?? e.message, e));
    const onClose = (): void =>
      fail(
        answered
          ? refused('the proxy closed the connection in the middle of its answer')
          : unreachable('the proxy closed the connection without answering'),
      );
    const refused = (why: string, status?: number): AmpError =>
      new AmpError('PROXY_REFUSED', `the proxy ${proxy.display} refused a tunnel to ${target}: ${why}`, {
        retryable: true,
        exitCode: ExitCode.UNAVAILABLE,
        details: status === undefined ? details : { ...details, status },
        hint: `the proxy must allow CONNECT to ${target} (many only allow port 443) and be able to reach it; retrying with backoff`,
      });
    const onData = (chunk: Buffer): void => {
      answered = true;
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD_BYTES) fail(refused('its answer is not HTTP'));
        return;
      }
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      if (m === null) return fail(refused('its answer is not HTTP'));
      const status = Number(m[1]);
      const reason = (m[2] ?? '').trim();
      if (status === 407 || status === 401) {
        return fail(
          new AmpError(
            'PROXY_AUTH',
            `the proxy ${proxy.display} refused ${proxy.username === undefined ? 'a tunnel without credentials' : 'our credentials'} (HTTP ${status}${reason === '' ? '' : ` ${reason}`})`,
            {
              retryable: false,
              exitCode: ExitCode.NOPERM,
              details: { ...details, status },
              hint:
                proxy.username === undefined
                  ? 'this proxy requires authentication: put the user and password in the proxy URL (http://user:password@host:port)'
                  : 'the proxy user or password is wrong: fix the credentials in the proxy URL (http://user:password@host:port)',
            },
          ),
        );
      }
      if (status < 200 || status > 299)
        return fail(refused(`HTTP ${status}${reason === '' ? '' : ` ${reason}`}`, status));
      settled = true;
      cleanup();
      const rest = head.subarray(end + 4);
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    function cleanup(): void {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('data', onData);
      socket.removeListener('connect', onConnect);
    }
    const onConnect = (): void => {
      const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
      if (proxy.username !== undefined || proxy.password !== undefined) {
        const token = Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64');
        lines.push(`Proxy-Authorization: Basic ${token}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    };
    socket.on('connect', onConnect);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
  });
}
