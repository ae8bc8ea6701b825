import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Can this path ever hold an appended, fsynced file? Checked by `config check` and when a
 * file sink starts, so that a path that can never work is a configuration error (exit 78)
 * instead of a sink that retries forever. Never creates anything.
 *
 * Refused: a path under /proc, /sys or /dev (virtual filesystems and devices: /dev/null
 * would "accept" every event and keep none), an existing path that is not a regular file (a
 * directory, a device, a FIFO, a socket), a file or directory on a read-only filesystem or
 * not writable by this user. A parent directory that does not exist yet is fine (it is
 * created), and so is one blocked by something that can be fixed while running (then the
 * sink holds its events and retries).
 */
export async function filePathProblem(path: string): Promise<string | undefined> {
  const abs = resolve(path);
  if (/^\/(proc|sys|dev)(\/|$)/.test(abs))
    return `${abs} is on a virtual filesystem or a device (/proc, /sys, /dev): events written there are not kept`;
  const st = await stat(abs).catch((e: NodeJS.ErrnoException) => e);
  if (!(st instanceof Error)) {
    if (st.isDirectory()) return `${abs} is a directory; give the path of a file in it`;
    if (!st.isFile()) return `${abs} is not a regular file (a device, FIFO or socket)`;
    return writable(abs, 'the file');
  }
  if (st.code !== 'ENOENT') return undefined; // ENOTDIR, EACCES on a parent…: reported at write time, retried
  // the file does not exist yet: its nearest existing ancestor must be a writable directory
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const d = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
    if (!(d instanceof Error)) return d.isDirectory() ? writable(dir, 'the directory') : undefined;
    if (d.code !== 'ENOENT' || dir === dirname(dir)) return undefined;
  }
}

async function writable(path: string, what: string): Promise<string | undefined> {
  try {
    await access(path, constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EROFS') return `${what} ${path} is on a read-only filesystem`;
    if (code === 'EACCES' || code === 'EPERM')
      return `${what} ${path} is not writable by this user (${code})`;
    return undefined;
  }
}
