import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import {
  openChromium,
  startDashboardScenario,
  type DashboardScenario,
} from '../helpers/dashboard-scenario.js';

/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real
 * `ampstream run`: what a person sees — the stream's event count rising, a failing sink
 * turning red.
 */
let s: DashboardScenario;
let browser: Awaited<ReturnType<typeof openChromium>>;
let page: Page;

beforeAll(async () => {
  s = await startDashboardScenario();
  browser = await openChromium();
  page = await browser.context.newPage();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const RED = 'rgb(179, 38, 30)';

/** the background colour the browser paints (computed style) */
const background = (l: Locator): Promise<string> =>
  l.evaluate(
    (e) =>
      (
        globalThis as unknown as { getComputedStyle(x: unknown): { backgroundColor: string } }
      ).getComputedStyle(e).backgroundColor,
  );

describe('the live dashboard', () => {
  it("shows the stream's event count rising and a failing sink turning red", async () => {
    await page.goto(`${s.url}/`);
    const stream = page.getByRole('row', { name: /^alerts/ });
    const events = stream.getByRole('cell').nth(1);
    await expect.poll(() => events.textContent(), { timeout: 20_000 }).toBe('0');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('healthy');

    await s.emu.publish(7);
    await expect.poll(() => events.textContent(), { timeout: 20_000 }).toBe('7');
    await s.emu.publish(5);
    await expect.poll(() => events.textContent(), { timeout: 20_000 }).toBe('12');

    const siem = page.getByRole('row', { name: /^siem/ });
    await expect.poll(() => siem.getByRole('cell').nth(0).textContent()).toBe('healthy');
    await expect.poll(() => siem.getByRole('cell').nth(1).textContent()).toBe('12');

    s.hec.faults.busy = 1_000_000; // every request: 503 "Server is busy"
    await s.emu.publish(3);
    const pill = siem.getByRole('cell').nth(0).locator('.pill');
    await expect.poll(() => pill.textContent(), { timeout: 20_000 }).toMatch(/^failing/);
    expect(await background(pill)).toBe(RED);
    await expect.poll(() => siem.getByRole('cell').nth(4).textContent()).toMatch(/^SINK_UNAVAILABLE|^SINK_/);
    // past health.maxSinkRetrySeconds the whole daemon reports unhealthy, with the reason
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toBe('unhealthy');
    await expect
      .poll(() => page.getByRole('list', { name: 'Problems' }).textContent())
      .toContain('sink siem');
    // the other sink keeps its green
    const archive = page
      .getByRole('row', { name: /^archive/ })
      .getByRole('cell')
      .nth(0)
      .locator('.pill');
    expect(await background(archive)).not.toBe(RED);

    // the recent events show summary lines, not raw payloads
    await expect.poll(() => page.locator('#events li').count()).toBeGreaterThan(5);
    expect(await page.locator('#events pre').count()).toBe(0);
    s.hec.faults.busy = 0;
  }, 120_000);
});
