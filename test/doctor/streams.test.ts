import { describe, expect, it } from 'vitest';
import type { StreamTarget } from '../../src/daemon/stream-target.js';
import type { StreamConfig } from '../../src/config/types.js';
import type { QueueLook } from '../../src/doctor/amqp-probe.js';
import { checkStream, type StreamCheckDeps } from '../../src/doctor/streams.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-04T06:00:00Z');
const stream: StreamConfig = {
  label: 'siem',
  id: '42',
  insecure: false,
  prefetch: 100,
  heartbeatSeconds: 60,
};
const target: StreamTarget = {
  label: 'siem',
  url: 'amqps://u:p@broker.example:443',
  redactedUrl: 'amqps://u:***@broker.example:443',
  queue: 'event_stream_42',
  insecure: false,
  prefetch: 100,
  heartbeatSeconds: 60,
};

function deps(look: QueueLook, own = 0): StreamCheckDeps {
  return {
    resolveTarget: async () => target,
    look: async () => look,
    apiStreams: new Map([['42', 'siem']]),
    ownConsumers: () => own,
    env: {},
    now: () => now,
    peek: true,
    timeoutMs: 1000,
  };
}

const lineOf = async (look: QueueLook, check: string, own = 0) =>
  (await checkStream(stream, deps(look, own))).find((r) => r.check === check);

describe('stream checks (injected queue look)', () => {
  it('fails when the oldest waiting event is close to the 10-day retention, warns past half of it', async () => {
    const old = await lineOf(
      { messageCount: 9, consumerCount: 0, oldest: { eventTime: now - 9 * DAY, redelivered: false } },
      'oldest',
    );
    expect(old?.status).toBe('fail');
    expect(old?.evidence).toContain('9.0 days old');
    const behind = await lineOf(
      { messageCount: 9, consumerCount: 0, oldest: { eventTime: now - 6 * DAY, redelivered: false } },
      'oldest',
    );
    expect(behind?.status).toBe('warn');
    const fresh = await lineOf(
      { messageCount: 9, consumerCount: 0, oldest: { eventTime: now - 3_600_000, redelivered: false } },
      'oldest',
    );
    expect(fresh?.status).toBe('ok');
  });

  it("does not count this host's running daemon as another consumer", async () => {
    expect((await lineOf({ messageCount: 0, consumerCount: 1 }, 'consumers', 1))?.status).toBe('ok');
    const two = await lineOf({ messageCount: 0, consumerCount: 2 }, 'consumers', 1);
    expect(two?.status).toBe('warn');
    expect(two?.evidence).toContain("besides the 1 of this host's running daemon");
  });

  it('says the age is unknown rather than guessing when peeking is off', async () => {
    const r = await checkStream(stream, { ...deps({ messageCount: 3, consumerCount: 0 }), peek: false });
    const oldest = r.find((x) => x.check === 'oldest');
    expect(oldest?.status).toBe('skip');
    expect(oldest?.evidence).toContain('not visible over AMQP');
  });
});

describe('stream checks with organisations', () => {
  const look: QueueLook = { messageCount: 0, consumerCount: 0 };
  it('does not call a stream of another organisation deleted because the default organisation lacks it', async () => {
    const theirs: StreamConfig = { ...stream, label: 'acme:siem', org: 'acme', orgLabelled: true };
    const exists = (await checkStream(theirs, deps(look))).find((r) => r.check === 'exists');
    expect(exists?.status).toBe('skip');
    expect(exists?.evidence).toContain('ampstream doctor --org acme');
    const mine = (await checkStream(theirs, { ...deps(look), apiOrg: 'acme' })).find(
      (r) => r.check === 'exists',
    );
    expect(mine?.status).toBe('ok');
  });

  it('leaves a declared stream to `plan` and names where its credentials come from', async () => {
    const { id: _id, ...noId } = stream;
    const declared: StreamConfig = { ...noId, label: 'alerts', name: 'alerts', declared: true };
    const lines = await checkStream(declared, deps(look));
    expect(lines.find((r) => r.check === 'exists')?.evidence).toContain('ampstream plan --exit-code');
    expect(lines.find((r) => r.check === 'credentials')?.evidence).toContain(
      'the vault entry of organisation default named "alerts"',
    );
  });
});
