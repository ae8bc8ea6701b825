import { isLoopbackHost } from '../../util/net.js';

/**
 * A sink that sends a credential (an auth header, a HEC token) over `http://` sends it in
 * cleartext: refused, unless the host is loopback and the sink says `allowHttp: true` (a
 * receiver on the same machine). Used by the sink schemas' refinements.
 */
export function cleartextCredentialProblem(url: string, allowHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // the URL check reports it
  }
  if (u.protocol !== 'http:') return undefined;
  if (allowHttp && isLoopbackHost(u.hostname)) return undefined;
  return isLoopbackHost(u.hostname)
    ? 'this sink sends a credential: http:// would carry it in cleartext; use https://, or set allowHttp: true for a receiver on this machine'
    : 'this sink sends a credential: http:// would carry it in cleartext; use https:// (http is allowed only for a loopback receiver, with allowHttp: true)';
}
