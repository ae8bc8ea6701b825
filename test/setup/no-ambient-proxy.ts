/**
 * The tests talk to local services (the emulator, RabbitMQ, PostgreSQL, NATS, rsyslog) on
 * loopback. A proxy in the developer's environment (a corporate HTTPS_PROXY) would send those
 * connections to a proxy that cannot reach this machine's loopback, so `npm test` drops the
 * proxy variables for itself and for the processes it spawns. Tests about proxies pass their
 * own environment explicitly (test/api/client-proxy.test.ts, test/source/source-proxy.test.ts,
 * test/cli/proxy.test.ts).
 */
for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']) {
  delete process.env[name];
}
