import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigIssue } from '../../src/config/index.js';
import { isAmpError } from '../../src/errors.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import type { SinkFactory } from '../../src/sinks/types.js';

/** `replicas:` and `dedup.store: postgres` in ampstream.yaml (docs/leases.md). */
const factories = sinkFactories as unknown as readonly SinkFactory[];
const base = 'streams:\n  - id: 12\nsinks:\n  - { name: archive, type: file, path: events.jsonl }\n';
const parse = (extra: string) =>
  parseConfig(base + extra, { path: '/etc/ampstream/ampstream.yaml', factories, env: {} });

function issues(extra: string): readonly ConfigIssue[] {
  try {
    parse(extra);
  } catch (e) {
    if (isAmpError(e, 'CONFIG_INVALID')) return e.details.issues ?? [];
    throw e;
  }
  return [];
}

describe('config: replicas and the shared dedup store', () => {
  it('has no replicas unless configured, and fills the lease defaults when it is', () => {
    expect(parse('').config.replicas).toBeUndefined();
    expect(parse('').config.dedup.store).toBe('sqlite');
    expect(parse('replicas: { url: env:PG_URL }\n').config.replicas).toEqual({
      store: 'postgres',
      url: 'env:PG_URL',
      schema: 'ampstream',
      leaseSeconds: 5,
      renewSeconds: 1,
    });
    const d = parse(
      'dedup: { enabled: true, store: postgres, url: postgres://ampstream@db:5432/ampstream }\n',
    ).config.dedup;
    expect(d).toMatchObject({
      store: 'postgres',
      url: 'postgres://ampstream@db:5432/ampstream',
      schema: 'ampstream',
    });
  });

  it('refuses a lease too short for its renewals, a URL with a password in it, and a postgres dedup store without a URL', () => {
    expect(issues('replicas: { url: env:PG_URL, leaseSeconds: 2, renewSeconds: 1 }\n')).toEqual([
      expect.objectContaining({
        path: 'replicas.leaseSeconds',
        message: expect.stringMatching(/2 × renewSeconds \+ 1/),
      }),
    ]);
    expect(issues("replicas: { url: 'postgres://u:hunter2@db/x' }\n").map((i) => i.path)).toContain(
      'replicas.url',
    );
    expect(issues('dedup: { enabled: true, store: postgres }\n')).toEqual([
      expect.objectContaining({ path: 'dedup.url' }),
    ]);
    expect(issues('replicas: { url: env:PG_URL, schema: Bad-Name }\n').map((i) => i.path)).toEqual([
      'replicas.schema',
    ]);
  });
});
