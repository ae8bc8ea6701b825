import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Atomic file replacement for secret files: write a temp file in the same directory
 * (created 0600 before any byte is written), fsync it, rename it over the target, fsync the
 * directory. A crash or error at any point leaves either the old file or the new one, never
 * a partial one; the temp file is removed on failure.
 */

/** The few fs calls the write uses, injectable so tests can make any step fail. */
export interface AtomicFs {
  open(path: string, flags: string, mode: number): Promise<fsp.FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
}

export const nodeAtomicFs: AtomicFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  mkdir: (path, options) => fsp.mkdir(path, options),
};

export interface AtomicWriteOptions {
  /** (default=0o600) mode of the written file */
  readonly mode?: number;
  /** (default=0o700) mode of the parent directory if it has to be created */
  readonly dirMode?: number;
  readonly fs?: AtomicFs;
}

export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const fs = options.fs ?? nodeAtomicFs;
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await fs.open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // the umask may have narrowed or the caller asked for another mode
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await fs.unlink(temp).catch(() => undefined);
  }
}

/** fsync the directory so the rename itself survives a power loss (best effort: not on every OS). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // some platforms cannot open or fsync a directory; the rename is still atomic
  } finally {
    await handle?.close();
  }
}
