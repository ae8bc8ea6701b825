import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/commands/demo-command.js';
import { runCli, CLI_TEST_TIMEOUT_MS } from './run-cli.js';

/** `ampstream demo`, the README's first command, run non-interactively as CI does. */

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.concurrent('ampstream demo', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('--count 5 narrates the seed steps, prints 5 events, deletes its stream and exits 0', async () => {
    const r = await runCli(['demo', '--count', '5', '--rate', '20']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}\S/);
    expect(r.stderr).toMatch(/1\. API credentials/);
    expect(r.stderr).toMatch(/2\. POST https:\/\/127\.0\.0\.1:\d+\/v1\/event_streams .*→ 201 Created/);
    expect(r.stderr).toMatch(/3\. amqp_credentials: .*password \*+ \(40 chars\)/);
    expect(r.stderr).toMatch(/4\. connect amqps:\/\/[^:]+:\*\*\*@localhost:\d+/);
    expect(r.stderr).toMatch(/6\. 5 events shown and acknowledged; DELETE \/v1\/event_streams\/\d+/);
    expect(r.stderr).not.toMatch(/[0-9a-f]{40}/); // the one-time password is never printed
  });

  it('--json prints the raw events with exact 64-bit ids', async () => {
    const r = await runCli(['demo', '--count', '3', '--rate', '20', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^\{.*"id":\d{16,}[,}]/);
  });

  it('ignores HTTPS_PROXY from the environment: its emulator is local, so a corporate proxy does not break it', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['demo', '--count', '2', '--rate', '20'], {
      HTTPS_PROXY: dead,
      https_proxy: dead,
    });
    expect(r.stderr).not.toContain('PROXY_');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('exits 69 and says what to start when the broker is not reachable', async () => {
    const port = await closedPort();
    const r = await runCli(['demo', '--count', '1', '--broker-url', `amqp://guest:guest@127.0.0.1:${port}`]);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain('BROKER_UNREACHABLE');
    expect(r.stderr).toContain('rabbitmq-server -detached');
    expect(r.stderr).toContain('--broker-url');
    expect(r.stderr).not.toContain('guest:guest');
  });
});

describe('demo --duration', () => {
  it('reads 30s, 2m, 1500ms and plain seconds, and refuses anything else', () => {
    expect([parseDuration('30s'), parseDuration('2m'), parseDuration('1500ms'), parseDuration('4')]).toEqual([
      30_000, 120_000, 1500, 4000,
    ]);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});
