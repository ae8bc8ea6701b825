/**
 * Regenerates docs/dashboard.png: a real `ampstream run` against the emulator with two
 * streams, a file sink and a Splunk HEC sink that starts failing, one poison message (a dead
 * letter), the page in Debian's chromium. Run: `npm run screenshot:dashboard`.
 */
import { join } from 'node:path';
import { openChromium, startDashboardScenario } from '../test/helpers/dashboard-scenario.js';
import { ROOT } from '../test/cli/run-cli.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const scenario = await startDashboardScenario({ streams: ['alerts', 'all-events'] });
const browser = await openChromium();
try {
  const page = await browser.context.newPage();
  await page.goto(`${scenario.url}/`);
  for (let i = 0; i < 8; i++) {
    await scenario.emu.publish(40);
    await sleep(500);
  }
  await scenario.emu.publishRaw(Buffer.from('{"id": 1, "truncated'));
  scenario.hec.faults.busy = 1_000_000; // the SIEM starts answering 503
  for (let i = 0; i < 8; i++) {
    await scenario.emu.publish(10);
    await sleep(500);
  }
  await page.getByRole('status').filter({ hasText: 'unhealthy' }).waitFor({ timeout: 30_000 });
  const out = join(ROOT, 'docs', 'dashboard.png');
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await scenario.close();
}
