import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { PipelineStats } from '../pipeline/types.js';
import type { HealthReport } from '../daemon/health.js';
import { DeadLetterTail } from './dead-letters.js';
import type { RecentEvents } from './recent.js';
import { SnapshotBuilder, type DashboardSnapshot } from './snapshot.js';

/**
 * The live dashboard on the metrics listener: a static page (plain HTML, CSS and JS shipped in
 * `assets/dashboard/`, no build step) and its data:
 *
 *   GET /                     the page
 *   GET /dashboard.css, /dashboard.js
 *   GET /dashboard/snapshot   one JSON snapshot (curl, scripts)
 *   GET /dashboard/events     server-sent events: a `snapshot` event every second
 *
 * With a token, every dashboard request needs `Authorization: Bearer <token>` or the cookie
 * set by opening `/?token=<token>` once (the page then redirects to `/`, so the token leaves
 * the address bar and history). /metrics and /healthz are not affected.
 */
export interface DashboardSource {
  stats(): readonly { readonly stream: string; readonly stats: PipelineStats }[];
  health(): HealthReport;
  /** consumer lag per stream, seconds */
  lag(): Promise<ReadonlyMap<string, number>>;
  readonly recent: RecentEvents;
  readonly deadLetterPath?: string;
}

export interface DashboardOptions {
  readonly source: DashboardSource;
  /** the resolved bearer token (secret); undefined: no token (loopback only, checked by the config) */
  readonly token?: string;
  readonly payloads: boolean;
  /** (default=1000) between two snapshots on the event stream, in ms */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const COOKIE = 'ampstream_dashboard';
const ASSETS = new URL('../../assets/dashboard/', import.meta.url);

function asset(name: string): string {
  return readFileSync(new URL(name, ASSETS), 'utf8');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One snapshot per interval, shared by every open page (rates stay per interval, not per viewer). */
class Feed {
  readonly #o: DashboardOptions;
  readonly #builder = new SnapshotBuilder();
  readonly #deadLetters: DeadLetterTail | undefined;
  #cached: { at: number; snap: Promise<DashboardSnapshot> } | undefined;

  constructor(o: DashboardOptions) {
    this.#o = o;
    this.#deadLetters =
      o.source.deadLetterPath === undefined ? undefined : new DeadLetterTail(o.source.deadLetterPath);
  }

  snapshot(): Promise<DashboardSnapshot> {
    const now = (this.#o.now ?? Date.now)();
    const fresh = (this.#o.intervalMs ?? 1000) * 0.9;
    if (this.#cached !== undefined && now - this.#cached.at < fresh) return this.#cached.snap;
    const snap = (async () => {
      const s = this.#o.source;
      const [lag, deadLetters] = await Promise.all([
        s.lag().catch(() => new Map<string, number>()),
        this.#deadLetters?.last().catch(() => []) ?? Promise.resolve([]),
      ]);
      return this.#builder.build({
        now,
        stats: s.stats(),
        health: s.health(),
        lag,
        deadLetters,
        events: s.recent.list(),
        payloads: this.#o.payloads,
      });
    })();
    this.#cached = { at: now, snap };
    return snap;
  }
}

export function mountDashboard(app: Hono, o: DashboardOptions): void {
  const page = asset('index.html');
  const css = asset('dashboard.css');
  const js = asset('dashboard.js');
  const feed = new Feed(o);
  const token = o.token;
  const security = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  app.use('*', async (c: Context, next) => {
    const path = c.req.path;
    const ours =
      path === '/' || path === '/dashboard.css' || path === '/dashboard.js' || path.startsWith('/dashboard/');
    if (!ours || token === undefined) return next();
    const query = c.req.query('token');
    if (path === '/' && query !== undefined && same(query, token)) {
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    const auth = c.req.header('authorization');
    const bearer = auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined;
    const cookie = getCookie(c, COOKIE);
    if ((bearer !== undefined && same(bearer, token)) || (cookie !== undefined && same(cookie, token)))
      return next();
    return c.text(
      'the dashboard needs its token: open /?token=<token> once, or send Authorization: Bearer <token>\n',
      401,
      {
        'www-authenticate': 'Bearer realm="ampstream dashboard"',
      },
    );
  });
  app.get('/', (c) =>
    c.html(page, 200, {
      ...security,
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    }),
  );
  app.get('/dashboard.css', (c) =>
    c.body(css, 200, { ...security, 'content-type': 'text/css; charset=utf-8' }),
  );
  app.get('/dashboard.js', (c) =>
    c.body(js, 200, { ...security, 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/dashboard/snapshot', async (c) => c.json(await feed.snapshot(), 200, security));
  app.get('/dashboard/events', (c) =>
    streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(await feed.snapshot()) });
        await stream.sleep(o.intervalMs ?? 1000);
      }
    }),
  );
}
