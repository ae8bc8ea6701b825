import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { ROOT } from '../cli/run-cli.js';

const run = promisify(execFile);
const UNIT = join(ROOT, 'packaging', 'systemd', 'ampstream.service');
const text = readFileSync(UNIT, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ampstream-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with ExecStart pointing at this checkout's bin (verify checks the binary exists). */
function localCopy(transform: (t: string) => string = (t) => t): string {
  const path = join(dir, 'ampstream.service');
  writeFileSync(path, transform(text.replace('/usr/bin/ampstream', join(ROOT, 'bin', 'ampstream.js'))));
  return path;
}

async function verify(path: string): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('systemd-analyze', ['verify', path]);
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: err.code ?? -1, stderr: err.stderr ?? '' };
  }
}

const values = (k: string): string[] =>
  [...text.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => (m[1] ?? '').trim());

describe('the systemd unit', () => {
  it('passes systemd-analyze verify without a single warning', async () => {
    expect(await verify(localCopy())).toEqual({ code: 0, stderr: '' });
  });

  it('would be caught by the verify check if a directive were misspelt', async () => {
    const r = await verify(localCopy((t) => t.replace('NoNewPrivileges=yes', 'NoNewPrivilegs=yes')));
    expect(r.stderr).toContain("Unknown key 'NoNewPrivilegs'");
  });

  it('is hardened: dynamic user, state directory, no new privileges, read-only system', () => {
    expect(values('DynamicUser')).toEqual(['yes']);
    expect(values('StateDirectory')).toEqual(['ampstream']);
    expect(values('NoNewPrivileges')).toEqual(['yes']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('CapabilityBoundingSet')).toEqual(['']);
  });

  it("rates low on systemd-analyze security's exposure scale", async () => {
    const r = await run('systemd-analyze', ['security', '--offline=yes', localCopy()]);
    const m = /Overall exposure level for ampstream\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
    expect(Number(m?.[1])).toBeLessThan(2.5);
  });

  it('does not restart on the exit codes a restart cannot fix, as src/errors.ts defines them', () => {
    const codes = (values('RestartPreventExitStatus')[0] ?? '').split(/\s+/).map(Number);
    expect(codes).toEqual([ExitCode.USAGE, ExitCode.UNAVAILABLE, ExitCode.NOPERM, ExitCode.CONFIG]);
    expect(values('Restart')).toEqual(['on-failure']);
  });
});
