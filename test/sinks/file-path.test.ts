import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/cli/commands/config-check.js';
import { fileSinkOptions } from '../../src/sinks/file/config.js';
import { filePathProblem } from '../../src/sinks/file/path-check.js';
import { FileSink } from '../../src/sinks/file/sink.js';
import { openUserVault } from '../../src/secrets/open.js';
import { Vault } from '../../src/secrets/vault.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { inProcess } from '../cli/run-cli.js';

/** A file path that can never work is a configuration error at start, not a sink retrying forever. */

const dir = mkdtempSync(join(tmpdir(), 'ampstream-file-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file sink paths', () => {
  it.each([
    ['/proc/ampstream.jsonl', /virtual filesystem/],
    ['/sys/ampstream.jsonl', /virtual filesystem/],
    ['/dev/null', /virtual filesystem or a device/],
    [dir, /is a directory/],
  ])('refuses %s', async (path, why) => {
    expect(await filePathProblem(path)).toMatch(why);
  });

  it('accepts a new file, an existing regular file, and a file whose directories do not exist yet', async () => {
    writeFileSync(join(dir, 'exists.jsonl'), '');
    expect(await filePathProblem(join(dir, 'new.jsonl'))).toBeUndefined();
    expect(await filePathProblem(join(dir, 'exists.jsonl'))).toBeUndefined();
    expect(await filePathProblem(join(dir, 'a', 'b', 'c.jsonl'))).toBeUndefined();
  });

  it('a file sink on such a path fails to start with SINK_CONFIG (exit 78), not retrying', async () => {
    const sink = new FileSink(fileSinkOptions.parse({ type: 'file', path: '/dev/null' }), {
      name: 'null',
      logger: silentLogger,
    });
    await expect(sink.start()).rejects.toMatchObject({ code: 'SINK_CONFIG', retryable: false, exitCode: 78 });
  });

  it('config check reports it with its line (exit 78)', async () => {
    const path = join(dir, 'cfg.yaml');
    writeFileSync(
      path,
      `streams:\n  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: env:PW }\nsinks:\n  - { name: a, type: file, path: /proc/events.jsonl }\n  - { name: b, type: file, path: ${dir} }\n`,
    );
    const r = await inProcess(() => checkCommand({ path, offline: true, json: false, env: {} }));
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/:4:\d+ sinks\[0\]\.path: \/proc\/events\.jsonl is on a virtual filesystem/);
    expect(r.stderr).toMatch(/:5:\d+ sinks\[1\]\.path: .* is a directory/);
  });
});

describe('vault file mode', () => {
  it('warns when the vault is readable by others', async () => {
    const path = join(dir, 'vault.json');
    await Vault.openOrCreate({ path, passphrase: 'pw', kdf: { n: 1024, r: 8, p: 1 } });
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    await openUserVault({ path, env: { AMPSTREAM_VAULT_PASSPHRASE: 'pw' }, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('has mode 0644: other users can read it')]);
    chmodSync(path, 0o600);
    warnings.length = 0;
    await openUserVault({ path, env: { AMPSTREAM_VAULT_PASSPHRASE: 'pw' }, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });
});
