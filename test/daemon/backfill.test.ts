import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { loadConfig } from '../../src/config/index.js';
import { Backfill } from '../../src/daemon/backfill.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { createSecretResolver } from '../../src/secrets/refs.js';
import { registeredSinks } from '../../src/sinks/registry.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createStreamViaRest, withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { discardQueued } from '../helpers/gap.js';

/**
 * The paging argument of docs/backfill.md ("Paging without gaps"), in process: events keep
 * arriving between the pages of a backfill (so every later page starts at a shifted offset), and
 * still every event of the window is written once and none is skipped.
 */

let emu: TestEmulator;
let dir: string;
beforeAll(async () => {
  emu = await withEmulator({}, 'builtin');
  dir = mkdtempSync(join(tmpdir(), 'ampstream-backfill-lib-'));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (path: string): string[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => /"id":(\d+)/.exec(l)?.[1] ?? '?')
    : [];

describe('Backfill paging', () => {
  it('skips nothing and writes nothing twice while new events keep shifting the offsets', async () => {
    const stream = await createStreamViaRest(emu, { name: `lib-${randomUUID()}` });
    const since = new Date(Date.now() - 2000);
    const lost = (await emu.publish(40)).map((e) => e.id ?? '?');
    await discardQueued(emu, stream);
    const config = join(dir, 'ampstream.yaml');
    writeFileSync(
      config,
      `streams:
  - id: ${stream.id}
    amqp: { host: localhost, port: ${emu.amqpPort}, user: u, password: env:UNUSED, queue: ${stream.amqp_credentials.queue_name} }
sinks:
  - name: archive
    type: file
    path: events.jsonl
dedup: { enabled: true }
`,
    );
    const { config: loaded } = await loadConfig({ factories: registeredSinks, path: config, env: {} });
    const client = new SecureEndpointClient({
      baseUrl: emu.apiUrl,
      clientId: emu.clientId,
      apiKey: emu.apiKey,
      ca: emu.caPem,
    });
    const arrived: string[] = [];
    try {
      const backfill = new Backfill(loaded, {
        async eventsPage(q, offset) {
          // new events arrive before every page (fewer than a page, or paging never ends):
          // newer than the window's, so they go first and shift every later offset
          arrived.push(...(await emu.publish(3)).map((e) => e.id ?? '?'));
          return client.eventsPage(q, offset);
        },
        createPipeline,
        factories: registeredSinks,
        resolveSecret: createSecretResolver({ env: {} }),
        logger: silentLogger,
      });
      const r = await backfill.run({ org: 'default', since, pageSize: 6 });
      expect(r.complete).toBe(true);
      expect(r.counts.duplicates).toBeGreaterThan(0); // the shifted pages repeated events
    } finally {
      await client.close();
    }
    const written = ids(join(dir, 'events.jsonl'));
    expect(new Set(written).size).toBe(written.length);
    for (const id of lost) expect(written).toContain(id);
    for (const id of written) expect([...lost, ...arrived]).toContain(id);
  });

  it("refuses an organisation none of the config's streams belong to, before fetching anything", async () => {
    const config = join(dir, 'orgs.yaml');
    writeFileSync(
      config,
      `organisations:
  - { name: acme, region: eu }
streams:
  - { id: '1', org: acme, amqp: { host: localhost, port: 5671, user: u, password: env:UNUSED, queue: q } }
sinks:
  - { name: archive, type: file, path: orgs.jsonl }
`,
    );
    const { config: loaded } = await loadConfig({ factories: registeredSinks, path: config, env: {} });
    let pages = 0;
    const backfill = new Backfill(loaded, {
      eventsPage: async () => {
        pages++;
        throw new Error('not called');
      },
      createPipeline,
      factories: registeredSinks,
      resolveSecret: createSecretResolver({ env: {} }),
      logger: silentLogger,
    });
    await expect(backfill.run({ org: 'globex', since: new Date(0) })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/organisation globex has no stream/),
    });
    expect(pages).toBe(0);
  });
});
