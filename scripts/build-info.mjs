// Writes dist/build-info.json (commit and build time) for `ampstream --version`. Run after tsc
// by `npm run build`. The commit: $AMPSTREAM_COMMIT (container builds have no .git), else
// `git rev-parse --short HEAD`, else "unknown".
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let commit = process.env.AMPSTREAM_COMMIT;
if (commit === undefined || commit === '' || commit === 'unknown') {
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    commit = 'unknown';
  }
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(
  join(root, 'dist', 'build-info.json'),
  `${JSON.stringify({ commit, builtAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') })}\n`,
);
