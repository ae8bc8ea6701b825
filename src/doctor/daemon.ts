import { request } from 'undici';
import type { AmpstreamConfig } from '../config/types.js';
import { errnoOf } from './net.js';
import { ok, skip, warnResult, type CheckResult } from './types.js';

/**
 * Is `ampstream run` already running on this host (its /healthz on the configured metrics
 * listener)? Its answer also tells which streams it holds a consumer on, so the stream checks
 * do not count the daemon as "another consumer".
 */
export interface DaemonLook {
  readonly results: CheckResult[];
  /** stream label → consumers the running daemon holds */
  readonly own: ReadonlyMap<string, number>;
}

export async function checkDaemon(config: AmpstreamConfig, timeoutMs: number): Promise<DaemonLook> {
  const S = 'daemon';
  const listen = config.metrics.listen;
  if (listen === false)
    return {
      results: [skip(S, 'running', 'metrics.listen is false: cannot ask a running daemon')],
      own: new Map(),
    };
  if (listen.port === 0)
    return {
      results: [
        skip(S, 'running', 'metrics.listen uses port 0 (a random port): cannot find a running daemon'),
      ],
      own: new Map(),
    };
  const host =
    listen.host === '0.0.0.0' || listen.host === ''
      ? '127.0.0.1'
      : listen.host === '::'
        ? '::1'
        : listen.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}/healthz`;
  try {
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body = (await res.body.json()) as {
      status?: string;
      reasons?: string[];
      streams?: { stream: string; connected: boolean }[];
    };
    const own = new Map((body.streams ?? []).map((s) => [s.stream, s.connected ? 1 : 0] as const));
    if (body.status === 'ok')
      return { results: [ok(S, 'running', `${url}: healthy, consuming ${own.size} stream(s)`)], own };
    return {
      results: [
        warnResult(
          S,
          'running',
          `${url}: unhealthy: ${(body.reasons ?? []).join('; ')}`,
          'see the lines below and the daemon log (journalctl -u ampstream)',
        ),
      ],
      own,
    };
  } catch (e) {
    return {
      results: [ok(S, 'running', `no daemon answers on ${url} (${errnoOf(e)}): not running on this host`)],
      own: new Map(),
    };
  }
}
