/** Clock skew against the API's `Date` header (1 s resolution), pure. */

/** (default=30) beyond this many seconds of skew: WARN */
export const CLOCK_WARN_SECONDS = 30;
/** (default=300) beyond this: FAIL (TLS validity windows, log correlation, dedup ages) */
export const CLOCK_FAIL_SECONDS = 300;

export interface ClockSkew {
  /** local minus server, seconds (positive: the local clock is ahead) */
  readonly skewSeconds: number;
  readonly status: 'ok' | 'warn' | 'fail';
}

/**
 * `sentAt`/`receivedAt` bracket the request; the server stamped its Date somewhere in between,
 * truncated to the second, so up to (round trip + 1 s) of apparent skew is noise.
 */
export function clockSkew(dateHeader: string, sentAt: number, receivedAt: number): ClockSkew | undefined {
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return undefined;
  const local = (sentAt + receivedAt) / 2;
  const noise = (receivedAt - sentAt) / 2 + 1000;
  const raw = local - (server + 500);
  const skew = Math.abs(raw) <= noise ? 0 : raw;
  const seconds = Math.round(skew / 1000);
  const abs = Math.abs(seconds);
  return {
    skewSeconds: seconds,
    status: abs > CLOCK_FAIL_SECONDS ? 'fail' : abs > CLOCK_WARN_SECONDS ? 'warn' : 'ok',
  };
}
