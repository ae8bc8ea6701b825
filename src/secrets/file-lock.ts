import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AmpError } from '../errors.js';
import { sleep } from '../util/backoff.js';

/**
 * A small advisory lock file (`<path>.lock`, created with O_EXCL) around read-modify-write
 * of the vault, so two `ampstream` processes saving credentials at the same moment (say two
 * `streams create` in two terminals) cannot lose one another's entry.
 */
export interface FileLockOptions {
  /** (default=10_000) how long to wait for another holder, in ms */
  readonly timeoutMs?: number;
  /** (default=30_000) a lock file older than this is considered left by a crashed process, in ms */
  readonly staleMs?: number;
  /** (default=50) polling interval while waiting, in ms */
  readonly pollMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000; // 10 s
export const DEFAULT_LOCK_STALE_MS = 30_000; // 30 s

export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // first write of a new vault: its directory does not exist yet (0700: it holds secrets)
        await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
        continue;
      }
      if (code !== 'EEXIST') throw e;
      if (await isStale(lockPath, staleMs)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new AmpError(
          'VAULT_LOCKED',
          `the vault is being written by another process (${lockPath} exists)`,
          {
            retryable: true,
            hint: `try again; if no other ampstream is running, remove ${lockPath}`,
          },
        );
      }
      await sleep(options.pollMs ?? 50);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const s = await stat(lockPath);
    return Date.now() - s.mtimeMs > staleMs;
  } catch {
    return false; // vanished meanwhile: just retry
  }
}
