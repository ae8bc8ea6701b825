import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, printSchema } from '../../src/cli/commands/config-check.js';
import { saveStreamCredentials } from '../../src/secrets/credentials.js';
import { testVault } from '../helpers/vault.js';
import { inProcess, runCli, CLI_TEST_TIMEOUT_MS } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ampstream-config-cli-'));
const vaultPath = join(dir, 'vault.json');
const passphrase = 'correct horse battery staple';
const vaultEnv = { AMPSTREAM_VAULT: vaultPath, AMPSTREAM_VAULT_PASSPHRASE: passphrase };

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  const { vault } = await testVault(vaultPath, passphrase);
  await saveStreamCredentials(vault, 7, {
    apiBase: 'https://api.example',
    user_name: '7-aaaaaaaaaaaaaaaaaaaa',
    password: 'b'.repeat(40),
    host: 'localhost',
    port: '443',
    proto: 'https',
    queue_name: 'event_stream_7',
    name: 'seven',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('ampstream config check', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('exits 0 when the file is valid, every secret resolves and the vault has the stream', async () => {
    const path = write(
      'ok.yaml',
      `streams:\n  - id: 7\n  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: env:CHECK_PW }\nsinks:\n  - { name: a, type: file, path: out.jsonl }\n`,
    );
    const r = await runCli(['config', 'check', '--config', path], { ...vaultEnv, CHECK_PW: 'guest' });
    expect(r.stderr).toContain(`ok ${path}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('exits 78 listing every error with file:line:col, secrets unresolved and missing vault entries included', async () => {
    const path = write(
      'bad.yaml',
      [
        'streams:',
        '  - id: 8',
        "  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: env:CHECK_MISSING_PW }",
        'sinks:',
        '  - { name: a, type: file, path: out.jsonl }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['config', 'check', '--config', path], vaultEnv);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`${path}:2:9 streams[0].id: no credentials for stream 8 in the vault`);
    expect(r.stderr).toMatch(
      new RegExp(
        `${path.replace(/[.]/g, '\\.')}:3:\\d+ streams\\[1\\]\\.amqp\\.password: environment variable CHECK_MISSING_PW is not set`,
      ),
    );
  });
});

describe('ampstream config check (in-process)', () => {
  it('exits 78 on a schema error and prints the errors as JSON with --json', async () => {
    const path = write(
      'schema.yaml',
      'streams:\n  - id: 7\nsinks:\n  - { name: a, type: file, path: out.jsonl, format: xml }\n',
    );
    const r = await inProcess(() => checkCommand({ path, offline: false, json: true, env: vaultEnv }));
    expect(r.code).toBe(78);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      errors: { line: number; path: string; message: string }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.errors).toEqual([expect.objectContaining({ line: 4, path: 'sinks[0].format' })]);
  });

  it('refuses a plain secret value without ever printing it', async () => {
    const path = write(
      'plain.yaml',
      "streams:\n  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: s3cr3t-value }\nsinks:\n  - { name: a, type: stdout }\n",
    );
    const r = await inProcess(() => checkCommand({ path, offline: false, json: false, env: vaultEnv }));
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('streams[0].amqp.password: plain secret value');
    expect(r.stderr + r.stdout).not.toContain('s3cr3t');
  });

  it('exits 78 with CONFIG_NOT_FOUND when the file does not exist', async () => {
    const r = await inProcess(() =>
      checkCommand({ path: join(dir, 'nope.yaml'), offline: false, json: false, env: vaultEnv }),
    );
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('CONFIG_NOT_FOUND');
  });

  it('prints a JSON Schema with `config schema`', async () => {
    const r = await inProcess(async () => {
      printSchema();
      return 0;
    });
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('ampstream.yaml');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['streams', 'sinks', 'batch', 'dedup', 'metrics']),
    );
  });
});
