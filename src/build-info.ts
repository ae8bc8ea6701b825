import { readFileSync } from 'node:fs';
import { VERSION } from './version.js';

/**
 * What `ampstream --version` prints: the version, the commit and build time written into
 * dist/build-info.json by `npm run build` (scripts/build-info.mjs), the Node runtime and
 * platform. Run from source (tsx) there is no build: it says so.
 */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly builtAt: string | undefined;
  readonly node: string;
  readonly platform: string;
}

export function buildInfo(
  read: () => string = () => readFileSync(new URL('./build-info.json', import.meta.url), 'utf8'),
): BuildInfo {
  let commit = 'unknown (not a build: running from source)';
  let builtAt: string | undefined;
  try {
    const b = JSON.parse(read()) as { commit?: unknown; builtAt?: unknown };
    if (typeof b.commit === 'string') commit = b.commit;
    if (typeof b.builtAt === 'string') builtAt = b.builtAt;
  } catch {
    // no build-info.json next to this module
  }
  return {
    version: VERSION,
    commit,
    builtAt,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Pure: the --version text. */
export function formatBuildInfo(b: BuildInfo): string {
  return [
    `ampstream ${b.version}`,
    `commit ${b.commit}${b.builtAt === undefined ? '' : `, built ${b.builtAt}`}`,
    `node ${b.node} ${b.platform}`,
  ].join('\n');
}
