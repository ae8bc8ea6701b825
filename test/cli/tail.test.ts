import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  amqpsUrl,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { seedEmulatorVault, testVault } from '../helpers/vault.js';
import { idsOfJsonl, inProcess, queueDepth, ROOT, spawnCli, until, CLI_TEST_TIMEOUT_MS } from './run-cli.js';

/**
 * `ampstream tail` against a real stream of the emulator: peek steals nothing, --consume
 * removes exactly what it printed, --json prints the raw bytes, a reader that quits (EPIPE)
 * ends it cleanly.
 */
let emu: TestEmulator;
const created: number[] = [];
beforeAll(async () => {
  emu = await withEmulator();
});
afterEach(async () => {
  for (const id of created.splice(0)) await apiRequest(emu, 'DELETE', `/v1/event_streams/${id}`);
});
afterAll(async () => {
  await emu.close();
});

async function stream(): Promise<{ s: CreatedStream; env: NodeJS.ProcessEnv; args: string[] }> {
  const s = await createStreamViaRest(emu, { name: `tail-${randomUUID()}` });
  created.push(s.id);
  return {
    s,
    env: { AMPSTREAM_AMQP_URL: amqpsUrl(s.amqp_credentials) },
    args: ['--queue', s.amqp_credentials.queue_name, '--ca', emu.caPath],
  };
}

const PEEK = 'peek mode: events are not acknowledged and stay in the queue; use --consume to remove them';

describe('ampstream tail', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('peeks by default: prints the events as raw JSON and leaves every one of them in the queue', async () => {
    const { s, env, args } = await stream();
    const published = (await emu.publish(20)).map((e) => e.id);
    const r = await spawnCli(['tail', ...args, '--json', '--count', '20'], env).exited;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(PEEK);
    expect(new Set(idsOfJsonl(r.stdout))).toEqual(new Set(published));
    expect(await queueDepth(s.amqp_credentials.queue_name)).toBe(20);
  });

  it('with --consume removes exactly the events it printed', async () => {
    const { s, env, args } = await stream();
    await emu.publish(20);
    const r = await spawnCli(['tail', ...args, '--consume', '--count', '5'], env).exited;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    expect(r.stderr).toContain('consume mode');
    expect(await queueDepth(s.amqp_credentials.queue_name)).toBe(15);
    const rest = await spawnCli(['tail', ...args, '--consume', '--count', '15'], env).exited;
    expect(rest.code).toBe(0);
    expect(await queueDepth(s.amqp_credentials.queue_name)).toBe(0);
  });

  it('prints one human line per event: time, type, severity, host', async () => {
    const { env, args } = await stream();
    const [e] = await emu.publish(1);
    const r = await spawnCli(['tail', ...args, '--count', '1'], env).exited;
    expect(r.code).toBe(0);
    const line = r.stdout.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(e!.event_type);
    expect(line).toContain(e!.computer?.hostname ?? '?');
    expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ /);
  });

  it('says when the peek window is full and how to go on; Ctrl+C leaves the queue as it was', async () => {
    const { s, env, args } = await stream();
    await emu.publish(30);
    const p = spawnCli(['tail', ...args, '--prefetch', '10'], env);
    await p.waitFor(/peek window full: 10 events/);
    expect(p.stderr()).toMatch(/--prefetch|--consume/);
    p.child.kill('SIGINT');
    const r = await p.exited;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(10);
    expect(await queueDepth(s.amqp_credentials.queue_name)).toBe(30);
  });

  it('`tail --consume --json | head -3` exits 0 on the broken pipe and acks only what reached the pipe', async () => {
    const { s, env, args } = await stream();
    const total = 300; // ~1.5 KB each: far more than a pipe buffer holds
    await emu.publish(total);
    const cmd = `node --import tsx src/cli/main.ts tail ${args.join(' ')} --consume --json | head -3; echo "tail-exit=\${PIPESTATUS[0]}" >&2`;
    const child = spawn('bash', ['-c', cmd], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(err).toContain('tail-exit=0');
    expect(out.trim().split('\n')).toHaveLength(3);
    for (const line of out.trim().split('\n')) expect(line).toMatch(/^\{.*"id":\d{16,}/);
    await until(async () => (await queueDepth(s.amqp_credentials.queue_name)) > 0, 60_000, 'requeued events');
    const depth = await queueDepth(s.amqp_credentials.queue_name);
    // at most what a 64 KiB pipe buffer plus one batch can hold was acked; the rest is back
    expect(total - depth).toBeLessThanOrEqual(150);
    expect(depth).toBeGreaterThan(0);
  });

  it('finds a stream by id or by name in the vault, trusting the CA of the API login it came from', async () => {
    const { s } = await stream();
    const dir = mkdtempSync(join(tmpdir(), 'ampstream-tail-vault-'));
    try {
      const { vault, env } = await testVault(join(dir, 'vault.json'), 'tail test passphrase');
      await seedEmulatorVault(vault, emu, s);
      await emu.publish(3);
      const byId = await spawnCli(['tail', String(s.id), '--count', '3'], env).exited;
      expect(byId.code).toBe(0);
      expect(byId.stdout.trim().split('\n')).toHaveLength(3);
      const byName = await spawnCli(['tail', s.name, '--count', '3', '--json'], env).exited;
      expect(byName.code).toBe(0);
      expect(byName.stdout.trim().split('\n')).toHaveLength(3);
      const unknown = await spawnCli(['tail', 'no such stream'], env).exited;
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toMatch(/UNKNOWN_STREAM[\s\S]*streams list/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a usage error naming the fix when no stream is given', async () => {
    const { tailCommand } = await import('../../src/cli/commands/tail-command.js');
    const r = await inProcess(() => tailCommand(undefined, { color: false }));
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/which stream\?/);
  });
});
