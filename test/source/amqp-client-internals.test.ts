import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AMQPChannel, AMQPClient } from '@cloudamqp/amqp-client';
import { describe, expect, it } from 'vitest';
import { CLIENT_VERSION_USED, deliverSynchronously } from '../../src/source/amqp-client-internals.js';

/**
 * The guard on src/source/amqp-client-internals.ts: any upgrade of @cloudamqp/amqp-client
 * fails here first, so its two internal hooks are re-checked on purpose (then update
 * CLIENT_VERSION_USED and these expectations together).
 */
const clientDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '@cloudamqp',
  'amqp-client',
);

function clientSource(file: string): string {
  return readFileSync(join(clientDir, 'lib', 'mjs', file), 'utf8');
}

function methodBody(source: string, name: string): string {
  const start = source.search(new RegExp(`\\n\\s{4}${name}\\(`));
  expect(start, `method ${name} in the client's source`).toBeGreaterThan(0);
  const next = source.slice(start + 1).search(/\n\s{4}[A-Za-z#]\w*\(.*\)\s*\{/);
  return source.slice(start, next < 0 ? undefined : start + 1 + next);
}

describe('the AMQP client internals ampstream relies on', () => {
  it('is the client version the hooks were written against', () => {
    const pkg = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(CLIENT_VERSION_USED);
  });

  it('still hands consumer deliveries to AMQPChannel.deliver from onMessageReady', () => {
    expect(typeof (AMQPChannel.prototype as unknown as { deliver?: unknown }).deliver).toBe('function');
    const ready = methodBody(clientSource('amqp-channel.js'), 'onMessageReady');
    expect(ready).toMatch(/if \(this\.delivery\) \{[^}]*this\.deliver\(message\)/);
  });

  it('still dials through connectSocket and reads through onRead, installing its handlers on "connect"', () => {
    const proto = AMQPClient.prototype as unknown as Record<string, unknown>;
    expect(typeof proto['connectSocket']).toBe('function');
    expect(typeof proto['onRead']).toBe('function');
    const connect = methodBody(clientSource('amqp-socket-client.js'), 'connect');
    expect(connect).toContain('this.connectSocket()');
    expect(connect).toMatch(/\.on\("connect"/);
  });

  it('replaces deliver on one channel only, and refuses a channel without it', () => {
    const fake = { deliver: () => undefined } as unknown as AMQPChannel;
    const mine = (): void => undefined;
    deliverSynchronously(fake, mine);
    expect((fake as unknown as { deliver: unknown }).deliver).toBe(mine);
    expect((AMQPChannel.prototype as unknown as { deliver: unknown }).deliver).not.toBe(mine);
    expect(() => deliverSynchronously({} as AMQPChannel, mine)).toThrow(/no AMQPChannel\.deliver/);
  });
});
