import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AmpError } from '../errors.js';

/**
 * The daemon's own HTTP listener (docs/architecture.md, Observability): Prometheus
 * `/metrics` and `/healthz`, on a port of its own so nothing else can starve a scrape.
 * Bound to 127.0.0.1 unless the config says otherwise (docs/architecture.md, Security).
 *
 *   GET /metrics  200 text/plain; version=0.0.4 (the prom-client registry)
 *   GET /healthz  200 {"status":"ok",…} or 503 {"status":"unhealthy","reasons":[…],…}
 */

export interface TelemetryServerOptions {
  /** (default='127.0.0.1') */
  readonly host?: string;
  /** 0 = a free port (tests) */
  readonly port: number;
  /** the Prometheus text exposition and its content type */
  readonly metrics: { render(): Promise<string>; readonly contentType: string };
  /** the daemon's health report (src/daemon/health.ts), served as JSON; 503 when unhealthy */
  readonly health: () => { readonly status: 'ok' | 'unhealthy' };
  readonly logger?: Logger;
  /** adds the live dashboard's routes (src/dashboard); absent: `/` is a plain text index */
  readonly dashboard?: (app: Hono) => void;
}

export interface TelemetryServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function telemetryApp(
  options: Pick<TelemetryServerOptions, 'metrics' | 'health' | 'dashboard'>,
): Hono {
  const app = new Hono();
  options.dashboard?.(app);
  app.get('/metrics', async (c) => {
    const body = await options.metrics.render();
    return c.body(body, 200, { 'content-type': options.metrics.contentType });
  });
  app.get('/healthz', (c) => {
    const report = options.health();
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  app.get('/', (c) => c.text('ampstream: GET /metrics (Prometheus), GET /healthz\n'));
  app.notFound((c) => c.text('not found: try /metrics or /healthz\n', 404));
  return app;
}

export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const host = options.host ?? '127.0.0.1';
  const app = telemetryApp(options);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        new AmpError(
          'CONFIG_INVALID',
          `cannot listen on ${host}:${options.port} for /metrics and /healthz (${e.code ?? e.message})`,
          {
            cause: e,
            hint: 'set metrics.listen (or --metrics-listen / AMPSTREAM_METRICS_LISTEN) to a free HOST:PORT, or false to turn it off',
            details: { host, port: options.port },
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  options.logger?.info({ url }, 'serving /metrics and /healthz');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
