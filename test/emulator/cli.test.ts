import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { readFile } from 'node:fs/promises';
import type { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RABBIT_MANAGEMENT_URL, RABBIT_URL } from '../helpers/services.js';
import { connectAsGuest, queueExists } from './amqp-helpers.js';

/** `ampstream emulator` as a real process (tsx loader, no build needed). */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
let guest: AMQPClient;

beforeAll(async () => {
  guest = await connectAsGuest();
});
afterAll(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await guest?.close();
});

function runCli(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulator', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', AMPSTREAM_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(check: () => boolean, what: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 1600; i++) {
    if (check()) return;
    if (gone) throw new Error(`process exited before ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// the processes are independent; running them side by side keeps the file short
// generous timeouts: a tsx-loaded CLI can take many seconds to start on a busy 2-core CI box
describe.concurrent('ampstream emulator', { timeout: 120_000 }, () => {
  it('prints one JSON line when ready, serves the API, and closes cleanly on SIGTERM (RabbitMQ mode)', async () => {
    const run = runCli([
      '--json',
      '--seed',
      '5',
      '--rate-limit',
      '100',
      '--broker-url',
      RABBIT_URL,
      '--management-url',
      RABBIT_MANAGEMENT_URL,
    ]);
    await until(() => run.stdout().includes('\n'), 'the ready line', run.exited);
    const lines = run.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const ready = JSON.parse(lines[0]!);
    expect(Object.keys(ready).sort()).toEqual([
      'amqpHost',
      'amqpPort',
      'apiKey',
      'apiUrl',
      'caPath',
      'clientId',
      'readOnlyApiKey',
    ]);
    expect(ready.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.amqpHost).toBe('localhost');

    const dispatcher = new Agent({ connect: { ca: await readFile(ready.caPath as string, 'utf8') } });
    const auth = `Basic ${Buffer.from(`${ready.clientId}:${ready.apiKey}`).toString('base64')}`;
    const res = await request(`${ready.apiUrl}/v1/event_streams`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli' }),
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    const queue = ((await res.body.json()) as { data: { amqp_credentials: { queue_name: string } } }).data
      .amqp_credentials.queue_name;
    await dispatcher.close();
    expect(await queueExists(guest, queue)).toBe(true);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await queueExists(guest, queue)).toBe(false);
  });

  it('prints the endpoints, both keys and an example command to stderr in human mode', async () => {
    const run = runCli(['--seed', '6']);
    await until(() => run.stderr().includes('Ctrl+C'), 'the ready block', run.exited);
    expect(run.stdout()).toBe('');
    const text = run.stderr();
    for (const label of ['API', 'AMQPS', 'CA', 'client id', 'API key', 'read-only key'])
      expect(text).toContain(label);
    expect(text).toMatch(/broker +built-in \(in this process\)/);
    expect(text).toMatch(/ampstream emulator inject --stream <id> --api-url https:/);
    expect(text).toMatch(/https:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/curl --cacert \S+ca\.pem -u \S+:\S+/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('exits 69 with BROKER_UNREACHABLE and says what to start when the broker is down', async () => {
    const run = runCli(['--json', '--broker-url', 'amqp://guest:guest@127.0.0.1:1']);
    expect(await run.exited).toBe(69);
    const out = JSON.parse(run.stdout());
    expect(out.error.code).toBe('BROKER_UNREACHABLE');
    expect(run.stderr()).toContain('rabbitmq-server -detached');
    expect(run.stderr()).toContain('--broker-url');
  });

  it('rejects a bad port with a usage error', async () => {
    const run = runCli(['--api-port', 'http']);
    expect(await run.exited).toBe(64);
    expect(run.stderr()).toContain('--api-port');
  });
});
