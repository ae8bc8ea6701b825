import { describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../src/dashboard/snapshot.js';
import { CLI_TEST_TIMEOUT_MS, spawnCli, until } from './run-cli.js';

describe('ampstream demo --dashboard', () => {
  it(
    "serves the dashboard on the demo's pipeline while events flow, and still cleans up on Ctrl+C",
    async () => {
      const p = spawnCli(['demo', '--dashboard', '--rate', '50']);
      try {
        let url = '';
        await until(
          () => {
            url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(p.stderr())?.[1] ?? '';
            return url !== '';
          },
          60_000,
          'the dashboard URL',
        );
        const page = await fetch(`${url}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('ampstream dashboard');
        let snap: DashboardSnapshot | undefined;
        await until(
          async () => {
            snap = (await (await fetch(`${url}/dashboard/snapshot`)).json()) as DashboardSnapshot;
            return (snap.streams[0]?.delivered ?? 0) >= 10 && snap.events.length > 0;
          },
          60_000,
          'events on the dashboard',
        );
        expect(snap?.streams[0]?.connected).toBe(true);
        expect(snap?.sinks[0]?.health).toBe('ok');
        p.child.kill('SIGINT');
        const r = await p.exited;
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/DELETE \/v1\/event_streams\/\d+/);
        await expect(fetch(`${url}/`)).rejects.toThrow();
      } finally {
        if (p.child.exitCode === null) p.child.kill('SIGKILL');
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
