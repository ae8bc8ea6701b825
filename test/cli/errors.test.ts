import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportError } from '../../src/cli/output.js';
import { AmpError } from '../../src/errors.js';
import { SqliteDedupStore as DedupStore } from '../../src/pipeline/dedup.js';

/**
 * Every failure a clear, documented exit: typed errors with the documented exit codes, and no
 * stack trace for bad input (a directory, a YAML alias bomb, a port in use, control bytes).
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ampstream-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function capture(fn: () => Promise<number> | number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true);
  try {
    const code = await fn();
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

const cli = (args: string[]): Promise<Run> => capture(() => main(['node', 'ampstream', ...args]));
const STACK = /\n\s+at /;

describe('exit codes', () => {
  it('a sink refusing our credentials (SINK_AUTH) exits 77, a sink configuration error (SINK_CONFIG) 78', () => {
    expect(new AmpError('SINK_AUTH', 'x').exitCode).toBe(77);
    expect(new AmpError('SINK_CONFIG', 'x').exitCode).toBe(78);
  });

  it('a corrupt dedup store is DEDUP_STORE and exits 78, without a stack trace', async () => {
    const path = join(dir, 'dedup.sqlite');
    await writeFile(path, 'this is not a SQLite database, just some text long enough to be read as a header');
    let caught: unknown;
    try {
      new DedupStore({ path, windowSize: 10, ttlHours: 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'DEDUP_STORE' });
    const r = await capture(() => reportError(caught));
    expect(r.code).toBe(78);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('no stack traces for bad input', () => {
  it('convert on a directory: exit 64 with the reason', async () => {
    const r = await cli(['convert', '-f', 'raw', dir]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('EISDIR');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a YAML alias bomb in the config: exit 78 with the reason', async () => {
    const path = join(dir, 'bomb.yaml');
    const row = (name: string, of: string): string =>
      `${name}: &${name} [${Array(10).fill(`*${of}`).join(',')}]`;
    await writeFile(
      path,
      [
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        row('b', 'a'),
        row('c', 'b'),
        row('d', 'c'),
        row('e', 'd'),
      ].join('\n'),
    );
    const r = await cli(['config', 'check', '--config', path]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('Excessive alias count');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('the emulator on a port in use: exit 69 with a hint, not EADDRINUSE and a stack', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = await cli(['emulator', '--api-port', String(port)]);
      expect(r.code).toBe(69);
      expect(r.stderr).toContain(`cannot listen on port ${port} (EADDRINUSE)`);
      expect(r.stderr).not.toMatch(STACK);
    } finally {
      busy.close();
    }
  });
});

describe('terminal output escapes control bytes', () => {
  it('in error messages', async () => {
    const r = await capture(() =>
      reportError(new AmpError('USAGE', 'stream "a\u001b]0;pwned\u0007b" not found')),
    );
    expect(r.stderr).toContain('a\\x1b]0;pwned\\x07b');
    expect(r.stderr).not.toContain('\u001b]0');
  });

  it('in convert error lines', async () => {
    const path = join(dir, 'ctl.jsonl');
    await writeFile(path, '{"id":1,"timestamp":1,"event_type_id":\u001b[2J}\n');
    const r = await cli(['convert', '-f', 'raw', path]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('line 1:');
    expect(r.stderr).not.toContain('\u001b[2J');
  });
});
