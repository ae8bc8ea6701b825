import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { ROOT } from '../cli/run-cli.js';

const run = promisify(execFile);
const TEMPLATE = join(ROOT, 'packaging', 'systemd', 'ampstream@.service');
const text = readFileSync(TEMPLATE, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ampstream-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One instance of the template (`ampstream@9464.service`) pointing at this checkout's bin. */
function instance(): string {
  const path = join(dir, 'ampstream@9464.service');
  writeFileSync(path, text.replace('/usr/bin/ampstream', join(ROOT, 'bin', 'ampstream.js')));
  return path;
}

const values = (k: string): string[] =>
  [...text.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => (m[1] ?? '').trim());

describe('the systemd template for replicas', () => {
  it('passes systemd-analyze verify as an instance, without a single warning', async () => {
    const r = await run('systemd-analyze', ['verify', instance()]).then(
      (x) => ({ code: 0, stderr: x.stderr }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
    );
    expect(r).toEqual({ code: 0, stderr: '' });
  });

  it('gives each instance its own state directory, dead-letter file and metrics port, hardened like the single unit', async () => {
    expect(values('StateDirectory')).toEqual(['ampstream/%i']);
    expect(values('Environment')).toEqual(
      expect.arrayContaining([
        'AMPSTREAM_METRICS_LISTEN=127.0.0.1:%i',
        'AMPSTREAM_DEAD_LETTER_PATH=/var/lib/ampstream/%i/dead-letters.jsonl',
      ]),
    );
    expect(values('DynamicUser')).toEqual(['yes']);
    const r = await run('systemd-analyze', ['security', '--offline=yes', instance()]);
    const m = /Overall exposure level for ampstream@9464\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
    expect(Number(m?.[1])).toBeLessThan(2.5);
  });

  it('restarts when the lease store was unreachable (a temporary failure), not on what a restart cannot fix', () => {
    const codes = (values('RestartPreventExitStatus')[0] ?? '').split(/\s+/).map(Number);
    expect(codes).not.toContain(ExitCode.TEMPFAIL);
    expect(codes).toEqual([ExitCode.USAGE, ExitCode.UNAVAILABLE, ExitCode.NOPERM, ExitCode.CONFIG]);
  });
});
