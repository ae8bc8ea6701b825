import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AmpError } from '../errors.js';
import { sleep } from '../util/retry.js';

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
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
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
        const holder = await holderPid(lockPath);
        throw new AmpError(
          'VAULT_LOCKED',
          `the vault is being written by another process${holder === undefined ? '' : ` (pid ${holder})`}: ` +
            `waited ${Math.round(timeoutMs / 100) / 10} s for its lock ${lockPath}`,
          {
            retryable: true,
            details: { lockPath, ...(holder === undefined ? {} : { pid: holder }), waitedMs: timeoutMs },
            hint: `try again once it is done; if no ampstream is running${holder === undefined ? '' : ` as pid ${holder}`}, remove ${lockPath} (a lock older than ${Math.round(staleMs / 1000)} s is taken over by itself)`,
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

/** The pid written in the lock file, when it is readable and one. */
async function holderPid(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(lockPath, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
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
