import { describe, expect, it } from 'vitest';
import { buildInfo, formatBuildInfo } from '../../src/build-info.js';
import { VERSION } from '../../src/version.js';
import { runCli } from '../cli/run-cli.js';

describe('ampstream --version', () => {
  it('prints the version, the commit and build time of the build, and the runtime', () => {
    const b = buildInfo(() => '{"commit":"abc1234","builtAt":"2026-12-04T06:00:00Z"}');
    expect(formatBuildInfo(b)).toBe(
      `ampstream ${VERSION}\ncommit abc1234, built 2026-12-04T06:00:00Z\nnode ${process.version} ${process.platform}-${process.arch}`,
    );
  });

  it('says when it runs from source rather than a build', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ampstream ${VERSION}`);
    expect(r.stdout).toContain('not a build: running from source');
  }, 60_000);
});
