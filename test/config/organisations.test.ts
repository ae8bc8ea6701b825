import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigIssue } from '../../src/config/index.js';
import { isAmpError } from '../../src/errors.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import type { SinkFactory } from '../../src/sinks/types.js';

const factories = sinkFactories as unknown as readonly SinkFactory[];
const SINKS = 'sinks:\n  - { name: archive, type: file, path: events.jsonl }\n';

function parse(text: string) {
  return parseConfig(text, { path: '/etc/ampstream/fleet.yaml', factories, env: {} });
}

function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parse(text);
  } catch (e) {
    if (isAmpError(e, 'CONFIG_INVALID')) return e.details.issues ?? [];
    throw e;
  }
  return [];
}

describe('organisations in the config', () => {
  it('reads organisations and declared streams, labelling streams of other organisations <org>:<name>', () => {
    const { config } = parse(`organisations:
  - { name: acme, region: eu, clientId: abc, apiKey: env:ACME_KEY, ca: certs/acme.pem }
  - { name: globex }
streams:
  - { name: alerts, org: acme, eventTypes: [Threat Detected, 553648143] }
  - { name: alerts, org: globex, groups: [Servers] }
  - { id: 2051 }
${SINKS}`);
    expect(config.organisations).toEqual([
      {
        name: 'acme',
        region: 'eu',
        clientId: 'abc',
        apiKey: 'env:ACME_KEY',
        ca: '/etc/ampstream/certs/acme.pem',
      },
      { name: 'globex' },
    ]);
    expect(config.streams.map((s) => [s.label, s.org, s.declared, s.orgLabelled])).toEqual([
      ['acme:alerts', 'acme', true, true],
      ['globex:alerts', 'globex', true, true],
      ['2051', 'default', false, true],
    ]);
    expect(config.streams[0]).toMatchObject({
      eventTypes: ['Threat Detected', '553648143'],
      ca: '/etc/ampstream/certs/acme.pem',
    });
    expect(config.streams[1]?.groups).toEqual(['Servers']);
  });

  it('keeps streams of a config without organisations unlabelled', () => {
    const { config } = parse(`streams:\n  - { id: 2051, name: siem }\n${SINKS}`);
    expect(config.organisations).toEqual([]);
    expect(config.streams[0]).toMatchObject({
      label: 'siem',
      org: 'default',
      orgLabelled: false,
      declared: false,
    });
  });

  it('names the line and path of an unknown organisation, a duplicate one, and a half-given login', () => {
    const issues = issuesOf(`organisations:
  - { name: acme, region: eu, clientId: abc }
  - { name: acme, region: nam, apiUrl: 'https://x.example' }
streams:
  - { name: alerts, org: initech }
  - { id: 7, eventTypes: [Threat Detected] }
${SINKS}`);
    const at = (path: string) => issues.find((i) => i.path === path);
    expect(at('organisations[0].apiKey')?.message).toMatch(/give `clientId` and `apiKey` together/);
    expect(at('organisations[0].apiKey')?.line).toBe(2);
    expect(at('organisations[1].apiUrl')?.message).toMatch(/mutually exclusive/);
    expect(at('organisations[1].name')).toMatchObject({
      line: 3,
      message: 'duplicate organisation name (also organisations[0])',
    });
    expect(at('streams[0].org')).toMatchObject({
      line: 5,
      message: 'unknown organisation "initech": declared are acme (or `default`)',
    });
    expect(at('streams[1].eventTypes')?.message).toMatch(/belongs to a declared stream/);
  });

  it('refuses an organisation name that is not a label, and a declared stream listed twice in one organisation', () => {
    const issues = issuesOf(`organisations:
  - { name: Acme Corp }
streams:
  - { name: alerts }
  - { name: alerts }
${SINKS}`);
    expect(issues.map((i) => `${i.line} ${i.path}`)).toEqual(
      expect.arrayContaining(['2 organisations[0].name', '5 streams[1]']),
    );
  });

  it('routes a sink to one organisation’s stream by <org>:<name>', () => {
    const text = (ref: string) => `organisations:
  - { name: acme }
streams:
  - { name: alerts, org: acme }
  - { name: alerts }
sinks:
  - { name: archive, type: file, path: events.jsonl, streams: ['${ref}'] }
`;
    expect(parse(text('acme:alerts')).config.sinks[0]?.streams).toEqual(['acme:alerts']);
    expect(issuesOf(text('globex:alerts')).map((i) => i.path)).toEqual(['sinks[0].streams[0]']);
  });
});
