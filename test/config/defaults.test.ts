import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import {
  DEFAULT_BATCH_MAX_EVENTS,
  DEFAULT_BATCH_MAX_WAIT_MS,
  DEFAULT_DEDUP_TTL_HOURS,
  DEFAULT_DEDUP_WINDOW_SIZE,
  DEFAULT_DRAIN_TIMEOUT_MS,
} from '../../src/pipeline/types.js';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_PREFETCH } from '../../src/source/types.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import type { SinkFactory } from '../../src/sinks/types.js';

/** What `ampstream run` gets from a config that sets nothing but a stream and a sink. */
function daemonDefaults() {
  const text = 'streams:\n  - id: 12\nsinks:\n  - name: archive\n    type: file\n    path: events.jsonl\n';
  const factories = sinkFactories as unknown as readonly SinkFactory[];
  return parseConfig(text, { path: 'ampstream.yaml', factories, env: {}, flags: {} }).config;
}

describe('library and daemon defaults', () => {
  it('a library pipeline remembers as many event ids for dedup as the daemon does', () => {
    const c = daemonDefaults();
    expect(DEFAULT_DEDUP_WINDOW_SIZE).toBe(c.dedup.window.events);
    expect(DEFAULT_DEDUP_TTL_HOURS).toBe(c.dedup.window.hours);
  });

  it('a library pipeline cuts batches and waits on drain like the daemon', () => {
    const c = daemonDefaults();
    expect({ maxEvents: DEFAULT_BATCH_MAX_EVENTS, maxWaitMs: DEFAULT_BATCH_MAX_WAIT_MS }).toEqual(c.batch);
    expect(DEFAULT_DRAIN_TIMEOUT_MS).toBe(c.shutdown.drainTimeoutSeconds * 1000);
  });

  it('a library source asks the broker for the prefetch and heartbeat the daemon asks for', () => {
    const stream = daemonDefaults().streams[0];
    expect(DEFAULT_PREFETCH).toBe(stream?.prefetch);
    expect(DEFAULT_HEARTBEAT_SECONDS).toBe(stream?.heartbeatSeconds);
  });
});
