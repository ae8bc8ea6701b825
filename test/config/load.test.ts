import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configJsonSchema, loadConfig, parseConfig, type ConfigIssue } from '../../src/config/index.js';
import { isAmpError } from '../../src/errors.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import type { SinkFactory } from '../../src/sinks/types.js';
import { fakeFactories } from './fake-sinks.js';

const factories = sinkFactories as unknown as readonly SinkFactory[];

function issuesOf(
  text: string,
  opts: { env?: NodeJS.ProcessEnv; flags?: Record<string, unknown>; f?: readonly SinkFactory[] } = {},
): ConfigIssue[] {
  try {
    parseConfig(text, {
      path: 'ampstream.yaml',
      factories: opts.f ?? factories,
      env: opts.env ?? {},
      flags: opts.flags ?? {},
    });
  } catch (e) {
    if (isAmpError(e, 'CONFIG_INVALID')) return e.details['issues'] as ConfigIssue[];
    throw e;
  }
  return [];
}

function errorText(text: string, f: readonly SinkFactory[] = factories): string {
  try {
    parseConfig(text, { path: 'ampstream.yaml', factories: f, env: {} });
  } catch (e) {
    if (isAmpError(e)) return e.message;
    throw e;
  }
  return '';
}

const minimal = `streams:
  - id: 12
sinks:
  - name: archive
    type: file
    path: events.jsonl
`;

describe('config errors', () => {
  it('gives the file, line:column and path of an invalid sink format', () => {
    const text = `# ampstream
streams:
  - id: 12
sinks:
  - name: archive
    type: file
    path: events.jsonl
  - name: screen
    type: stdout
    format: xml
`;
    expect(errorText(text)).toContain(
      'ampstream.yaml:10:13 sinks[1].format: Invalid option: expected one of "raw"|"ecs"|"ocsf"|"cef"',
    );
  });

  it('points an unknown key at the key itself and says it is unknown', () => {
    const issues = issuesOf(`${minimal}    fsnyc: false\n`);
    expect(issues).toEqual([
      expect.objectContaining({
        line: 7,
        col: 5,
        path: 'sinks[0].fsnyc',
        message: expect.stringContaining('unknown setting'),
      }),
    ]);
  });

  it('names the registered sink types when the type is unknown', () => {
    const text = `${minimal}  - name: q\n    type: kafkaa\n`;
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 8, col: 11, path: 'sinks[1].type' });
    expect(issues[0]?.message).toMatch(/unknown sink type "kafkaa": expected one of "stdout"\|"file"/);
  });

  it('reports a missing required setting at its parent block', () => {
    const issues = issuesOf(`streams:\n  - id: 12\nsinks:\n  - name: archive\n    type: file\n`);
    expect(issues).toEqual([
      expect.objectContaining({
        line: 4,
        col: 5,
        path: 'sinks[0].path',
        message: expect.stringContaining('required'),
      }),
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(`streams:\n  - id: 12\nstreams: []\n`);
    expect(issues[0]).toMatchObject({ line: 3, path: '(yaml)' });
    expect(issues[0]?.message).toMatch(/unique/);
  });

  it('lists every problem at once, in file order', () => {
    const text = `streams:
  - id: abc
    prefetch: 0
sinks:
  - name: a
    type: file
    path: x
  - name: a
    type: stdout
batch:
  maxEvents: -1
`;
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line}:${i.path}`)).toEqual([
      '2:streams[0].id',
      '3:streams[0].prefetch',
      '8:sinks[1].name',
      '11:batch.maxEvents',
    ]);
  });

  it('rejects a filter naming an event type that does not exist, and accepts names and ids', () => {
    const text = `${minimal}    filter:\n      eventTypes: [Threat Detected, 553648143, Threat Detectd]\n      severities: [high]\n`;
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({ line: 8, col: 48, path: 'sinks[0].filter.eventTypes[2]' }),
    ]);
  });
});

describe('secrets in config', () => {
  it('refuses a plain password, naming path and line but never the value', () => {
    const text = `streams:
  - name: bench
    amqp:
      url: amqp://guest@127.0.0.1:5672
      queue: q1
      password: hunter2-secret
sinks:
  - name: out
    type: stdout
`;
    const message = errorText(text);
    expect(message).toContain('ampstream.yaml:6:17 streams[0].amqp.password: plain secret value');
    expect(message).not.toContain('hunter2');
  });

  it('refuses a plain token in a sink option its own schema types as a plain string', () => {
    const text = `${minimal}  - name: siem\n    type: http\n    url: https://siem.example/in\n    token: abcdef123456\n`;
    const message = errorText(text, fakeFactories);
    expect(message).toContain('ampstream.yaml:10:12 sinks[1].token: plain secret value');
    expect(message).not.toContain('abcdef123456');
  });

  it('refuses a URL with a password in it', () => {
    const text = `streams:\n  - amqp: { url: 'amqps://u:topsecret@h:443', queue: q }\nsinks:\n  - { name: o, type: stdout }\n`;
    const message = errorText(text);
    expect(message).toMatch(/ampstream\.yaml:2:\d+ streams\[0\]\.amqp\.url: URL contains a password/);
    expect(message).not.toContain('topsecret');
  });

  it('refuses a stream proxy URL with a password in it, saying to give the whole URL as a reference', () => {
    const text = `streams:\n  - id: 7\n    proxy: 'http://me:pr0xypw@proxy.corp:3128'\nsinks:\n  - { name: o, type: stdout }\n`;
    const message = errorText(text);
    expect(message).toMatch(/ampstream\.yaml:3:\d+ streams\[0\]\.proxy: proxy URL contains a password/);
    expect(message).toContain('proxy: env:NAME');
    expect(message).not.toContain('pr0xypw');
  });

  it('accepts a stream proxy as http://[user@]host:port or as a reference, and refuses other schemes', () => {
    for (const proxy of [
      'http://proxy.corp:3128',
      'http://me@10.0.0.1:8080',
      'env:CORP_PROXY',
      'vault:proxy',
    ]) {
      const text = `streams:\n  - id: 7\n    proxy: '${proxy}'\nsinks:\n  - { name: o, type: stdout }\n`;
      expect(issuesOf(text)).toEqual([]);
    }
    const socks = `streams:\n  - id: 7\n    proxy: 'socks5://proxy.corp:1080'\nsinks:\n  - { name: o, type: stdout }\n`;
    expect(errorText(socks)).toMatch(/streams\[0\]\.proxy: an http:\/\/\[user@\]host:port URL/);
  });

  it('accepts env:, file: and vault: references', () => {
    for (const ref of ['env:AMQP_PASSWORD', 'file:/run/secrets/amqp', 'vault:amqp-bench']) {
      const text = `streams:\n  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: '${ref}' }\nsinks:\n  - { name: o, type: stdout }\n`;
      expect(issuesOf(text)).toEqual([]);
    }
  });
});

describe('precedence: flags > env > file > defaults', () => {
  const text = `${minimal}batch:\n  maxEvents: 300\n`;
  const load = (env: NodeJS.ProcessEnv, flags: Record<string, unknown>) =>
    parseConfig(text, { path: '/srv/amp/ampstream.yaml', factories, env, flags }).config;

  it('uses the file over the defaults', () => {
    const c = load({}, {});
    expect(c.batch.maxEvents).toBe(300);
    expect(c.batch.maxWaitMs).toBe(200);
    expect(c.streams[0]?.prefetch).toBe(1000);
  });

  it('uses env over the file', () => {
    const c = load(
      { AMPSTREAM_BATCH_MAX_EVENTS: '50', AMPSTREAM_PREFETCH: '64', AMPSTREAM_METRICS_LISTEN: 'off' },
      {},
    );
    expect(c.batch.maxEvents).toBe(50);
    expect(c.streams[0]?.prefetch).toBe(64);
    expect(c.metrics.listen).toBe(false);
  });

  it('uses flags over env', () => {
    const c = load(
      { AMPSTREAM_BATCH_MAX_EVENTS: '50', AMPSTREAM_LOG_LEVEL: 'debug' },
      { batchMaxEvents: 7, logLevel: 'warn' },
    );
    expect(c.batch.maxEvents).toBe(7);
    expect(c.log.level).toBe('warn');
  });

  it('reports an invalid env value by its variable name', () => {
    const issues = issuesOf(text, { env: { AMPSTREAM_BATCH_MAX_EVENTS: 'lots' } });
    expect(issues).toEqual([
      expect.objectContaining({ source: 'env AMPSTREAM_BATCH_MAX_EVENTS', path: 'batch.maxEvents' }),
    ]);
    expect(issues[0]?.line).toBeUndefined();
  });

  it('resolves relative paths against the config file directory', () => {
    const c = load({}, {});
    expect(c.sinks[0]?.options['path']).toBe('/srv/amp/events.jsonl');
    expect(c.deadLetter.path).toBe('/srv/amp/ampstream-dead-letter.jsonl');
    expect(c.metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.sinks[0]?.format).toBe('raw');
  });
});

describe('loading files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ampstream-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the file through AMPSTREAM_CONFIG when no path is given', async () => {
    const path = join(dir, 'a.yaml');
    writeFileSync(path, minimal);
    const loaded = await loadConfig({ factories, env: { AMPSTREAM_CONFIG: path } });
    expect(loaded.path).toBe(path);
    expect(loaded.config.sinks[0]?.options['path']).toBe(join(dir, 'events.jsonl'));
  });

  it('says CONFIG_NOT_FOUND with a hint when the file is missing', async () => {
    await expect(loadConfig({ factories, path: join(dir, 'missing.yaml'), env: {} })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      exitCode: 78,
    });
  });
});

describe('JSON Schema', () => {
  it('lists every registered sink type with its own options', () => {
    const schema = JSON.stringify(configJsonSchema(factories));
    for (const f of factories) expect(schema).toContain(`"const":"${f.type}"`);
    expect(schema).toContain('"fsync"');
    expect(schema).toContain('"maxEvents"');
  });
});

describe('the example config', () => {
  it('examples/ampstream.yaml is valid as shipped', async () => {
    const loaded = await loadConfig({ factories, path: 'examples/ampstream.yaml', env: {} });
    expect(loaded.config.streams[0]?.id).toBe('2051');
    expect(loaded.config.metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('makes nested TLS file paths absolute but leaves secret references alone', () => {
    const text = `streams:\n  - id: 1\nsinks:\n  - name: w\n    type: http\n    url: https://h.example/x\n    tls: { ca: certs/ca.pem, key: 'file:/run/k' }\n`;
    const httpLike = {
      ...fakeFactories[1]!,
      options: z.object({
        type: z.literal('http'),
        url: z.string(),
        tls: z.object({ ca: z.string(), key: z.string() }),
      }),
    } as unknown as SinkFactory;
    const c = parseConfig(text, { path: '/etc/amp/ampstream.yaml', factories: [httpLike], env: {} }).config;
    expect(c.sinks[0]?.options['tls']).toEqual({ ca: '/etc/amp/certs/ca.pem', key: 'file:/run/k' });
  });
});
