import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRequest } from '../helpers/emulator.js';
import { seedEmulatorVault, testVault } from '../helpers/vault.js';
import { queueDepth, spawnCli, until, CLI_TEST_TIMEOUT_MS } from './run-cli.js';
import { lines, metricsUrl, startRun, useRunFixture } from './run-setup.js';

/** `ampstream run` end to end against the emulator: delivery, metrics, health, fatal exits. */
const f = useRunFixture();

describe('ampstream run', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('delivers every published event to the JSONL file with exact ids; /metrics counts them, /healthz is 200', async () => {
    const s = await f.setup();
    const published = await f.emu().publish(60);
    const p = startRun(s);
    await until(() => lines(s.out).length >= 60, 120_000, '60 lines');
    expect(new Set(lines(s.out))).toEqual(new Set(published.map((e) => e.id)));
    expect(published.some((e) => BigInt(e.id!) > 2n ** 53n)).toBe(true);

    await p.waitFor(/"msg":"running"/);
    const url = metricsUrl(p);
    await until(
      async () =>
        /ampstream_acks_total\{stream="\d+"\} 60/.test(await (await fetch(`${url}/metrics`)).text()),
      60_000,
      'acks metric',
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ampstream_deliveries_total\{stream="\d+"\} 60/);
    expect(metrics).toMatch(/ampstream_sink_records_total\{stream="\d+",sink="archive"\} 60/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', streams: [{ connected: true }] });

    p.child.kill('SIGTERM');
    const r = await p.exited;
    expect(r.code).toBe(0);
    expect(await queueDepth(s.stream.amqp_credentials.queue_name)).toBe(0);
  });

  it('takes the stream credentials from the vault when the config gives only the id, resolves group names through the API login; --stop-after ends it', async () => {
    const s = await f.setup();
    const emu = f.emu();
    const dir = mkdtempSync(join(tmpdir(), 'ampstream-run-vault-'));
    try {
      const { vault, env } = await testVault(join(dir, 'vault.json'), 'run test passphrase');
      await seedEmulatorVault(vault, emu, s.stream);
      const config = join(s.dir, 'vault.yaml');
      const group = emu.fleet.groups[0]!;
      writeFileSync(
        config,
        `streams:\n  - id: ${s.stream.id}\nsinks:\n  - { name: archive, type: file, path: events.jsonl }\n` +
          `  - { name: one-group, type: file, path: group.jsonl, filter: { groups: ['${group.name}'] } }\nmetrics: { listen: false }\n`,
      );
      const published = await emu.publish(30);
      const r = await spawnCli(['run', '--config', config, '--stop-after', '30'], env).exited;
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/--stop-after 30/);
      expect(new Set(lines(s.out))).toEqual(new Set(published.map((e) => e.id)));
      const inGroup = published.filter((e) => e.group_guids?.includes(group.guid)).map((e) => e.id);
      expect(inGroup.length).toBeGreaterThan(0);
      expect(new Set(lines(join(s.dir, 'group.jsonl')))).toEqual(new Set(inGroup));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers /healthz 503 with the reason while a sink has been failing longer than the threshold, and loses nothing', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve)); // a closed port: the sink is down
    const s = await f.setup(
      'health: { maxSinkRetrySeconds: 1 }\nshutdown: { drainTimeoutSeconds: 1 }\n',
      undefined,
      `  - { name: siem, type: http, url: 'http://127.0.0.1:${port}/in', connectTimeoutMs: 500 }\n`,
    );
    await f.emu().publish(5);
    const p = startRun(s);
    await p.waitFor(/"msg":"running"/);
    const url = metricsUrl(p);
    let body: { status?: string; reasons?: string[] } = {};
    await until(
      async () => {
        const res = await fetch(`${url}/healthz`);
        body = (await res.json()) as typeof body;
        return res.status === 503;
      },
      120_000,
      '/healthz 503',
    );
    expect(body.status).toBe('unhealthy');
    expect(body.reasons?.[0]).toMatch(/sink siem has been failing for \d+ s/);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect(await queueDepth(s.stream.amqp_credentials.queue_name)).toBe(5); // nothing acked: the http sink never took them
  });

  it('exits 69 with a clear message, and no reconnect loop, when the stream is deleted while running', async () => {
    const s = await f.setup();
    await f.emu().publish(5);
    const p = startRun(s);
    await until(() => lines(s.out).length >= 5, 120_000, 'first events');
    const del = await apiRequest(f.emu(), 'DELETE', `/v1/event_streams/${s.stream.id}`);
    expect(del.status).toBe(200);
    const r = await p.exited;
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/AMQP_QUEUE_NOT_FOUND/);
    expect(r.stderr).toMatch(/hint: .*streams list/);
    expect((r.stderr.match(/reconnect/gi) ?? []).length).toBeLessThan(5);
  });

  it('exits 77 with a hint when the stream password is wrong', async () => {
    const s = await f.setup('', 'f'.repeat(40));
    const r = await startRun(s).exited;
    expect(r.code).toBe(77);
    expect(r.stderr).toMatch(/AMQP_ACCESS_REFUSED/);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).not.toContain('f'.repeat(40));
  });

  it('exits 78 without starting when the config is invalid', async () => {
    const s = await f.setup('batch: { maxEvents: 0 }\n');
    const r = await startRun(s).exited;
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/ampstream\.yaml:\d+:\d+ batch\.maxEvents: Too small/);
  });
});
