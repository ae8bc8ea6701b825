import { buildConnector } from 'undici';
import type { ProxySettings } from '../proxy/settings.js';
import { openTunnel } from '../proxy/tunnel.js';

/**
 * An undici connector that reaches the API through an HTTP CONNECT tunnel, then runs TLS over
 * it with exactly the options of a direct connection (CA, verification, SNI = the API host).
 * The tunnel is the one the AMQPS source uses (`src/proxy/tunnel.ts`), so the API and the
 * event streams fail the same way (PROXY_UNREACHABLE, PROXY_AUTH, PROXY_REFUSED) and read the
 * same settings. undici's own ProxyAgent would do the CONNECT too, but reports a 407 only as
 * message text.
 */
export function proxyConnector(
  proxy: ProxySettings,
  tls: buildConnector.BuildOptions & { timeout: number },
): buildConnector.connector {
  const tlsConnect = buildConnector(tls);
  return (options, callback) => {
    const port = Number(options.port === '' ? (options.protocol === 'https:' ? 443 : 80) : options.port);
    openTunnel(proxy, options.hostname, port, { timeoutMs: tls.timeout }).then(
      (socket) => {
        if (options.protocol !== 'https:') {
          socket.resume();
          callback(null, socket);
          return;
        }
        tlsConnect({ ...options, httpSocket: socket }, (err, tlsSocket) => {
          if (err !== null) {
            socket.destroy();
            callback(err, null);
          } else callback(null, tlsSocket);
        });
      },
      (e: unknown) => callback(e as Error, null),
    );
  };
}
