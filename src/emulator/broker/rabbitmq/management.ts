import { AmpError } from '../../../errors.js';

/**
 * A minimal client of the RabbitMQ management HTTP API, for per-stream broker users
 * (https://www.rabbitmq.com/docs/management#http-api):
 *   PUT    /api/users/{name}                  {"password": "...", "tags": ""}
 *   PUT    /api/permissions/{vhost}/{name}    {"configure": re, "write": re, "read": re}
 *   DELETE /api/users/{name}                  (also removes the user's permissions)
 *   GET    /api/overview                      (reachability probe)
 * The credentials come from the URL's userinfo and travel as a Basic auth header (fetch
 * refuses URLs with credentials); they never appear in errors.
 */

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface Permissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

export interface ManagementClient {
  /** true when the API answers with the configured credentials */
  ping(): Promise<boolean>;
  putUser(name: string, password: string): Promise<void>;
  setPermissions(vhost: string, user: string, permissions: Permissions): Promise<void>;
  /** idempotent: a missing user is not an error */
  deleteUser(name: string): Promise<void>;
  /** close every connection of `user` (connection.close 320 CONNECTION_FORCED); how many */
  closeConnectionsOf(user: string, reason: string): Promise<number>;
}

const REQUEST_TIMEOUT_MS = 10_000; // 10 s per management call

export function createManagementClient(managementUrl: string, fetchFn: FetchLike = fetch): ManagementClient {
  const url = new URL(managementUrl);
  const user = decodeURIComponent(url.username || 'guest');
  const pass = decodeURIComponent(url.password || 'guest');
  url.username = '';
  url.password = '';
  const base = url.href.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetchFn(`${base}/api${path}`, {
        method,
        headers: { authorization, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new AmpError('BROKER_UNREACHABLE', `RabbitMQ management API at ${base} is unreachable`, {
        cause: e,
        retryable: true,
        hint: 'Enable it with `rabbitmq-plugins enable rabbitmq_management`, or pass --management-url.',
      });
    }
  }

  async function expectOk(res: Response, what: string, allow404 = false): Promise<void> {
    await res.body?.cancel();
    if (res.ok || (allow404 && res.status === 404)) return;
    throw new AmpError('EMULATOR', `RabbitMQ management API: ${what} failed with HTTP ${res.status}`, {
      details: { status: res.status },
      hint: 'Check that the management user is an administrator (guest is, on a default broker).',
    });
  }

  return {
    async ping() {
      try {
        const res = await call('GET', '/overview');
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    },
    async putUser(name, password) {
      await expectOk(
        await call('PUT', `/users/${encodeURIComponent(name)}`, { password, tags: '' }),
        'create user',
      );
    },
    async setPermissions(vhost, name, permissions) {
      const path = `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`;
      await expectOk(await call('PUT', path, permissions), 'set permissions');
    },
    async closeConnectionsOf(user, reason) {
      const res = await call('GET', '/connections?columns=name,user');
      if (!res.ok) {
        await expectOk(res, 'list connections');
        return 0;
      }
      const list = (await res.json()) as { name: string; user: string }[];
      let n = 0;
      for (const c of list.filter((x) => x.user === user)) {
        const del = await fetchFn(`${base}/api/connections/${encodeURIComponent(c.name)}`, {
          method: 'DELETE',
          headers: { authorization, 'x-reason': reason },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await expectOk(del, 'close connection', true);
        n++;
      }
      return n;
    },
    async deleteUser(name) {
      await expectOk(await call('DELETE', `/users/${encodeURIComponent(name)}`), 'delete user', true);
    },
  };
}
