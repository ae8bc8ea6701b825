import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { pathExists } from '../../util/fs.js';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * File rotation helpers: names, gzip, retention. Rotated files sit next to the live one:
 *
 *   events.jsonl                                  the live file
 *   events.2026-11-27T12-44-57-123Z.jsonl.gz      rotated (UTC time of rotation), gzipped
 *
 * The time stamp sorts lexicographically, so retention keeps the last `maxFiles` names.
 */

export interface RotatedName {
  readonly dir: string;
  readonly stem: string;
  readonly ext: string;
}

export function splitPath(path: string): RotatedName {
  const ext = extname(path);
  return { dir: dirname(path), stem: basename(path, ext), ext };
}

/** `events.2026-11-27T12-44-57-123Z.jsonl` (":" and "." of the ISO time become "-"). */
export function rotatedPath(path: string, at: Date, seq = 0): string {
  const { dir, stem, ext } = splitPath(path);
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  return join(dir, `${stem}.${stamp}${seq > 0 ? `-${seq}` : ''}${ext}`);
}

/** Rename the live file aside; returns the new name. Never overwrites an older rotation. */
export async function moveAside(path: string, at: Date): Promise<string> {
  for (let seq = 0; ; seq++) {
    const target = rotatedPath(path, at, seq);
    if (!(await pathExists(target)) && !(await pathExists(`${target}.gz`))) {
      await rename(path, target);
      return target;
    }
  }
}

/** gzip `path` to `path.gz` (temp file + fsync + rename), then remove `path`. */
export async function gzipFile(path: string, mode: number): Promise<string> {
  const target = `${path}.gz`;
  const tmp = `${target}.tmp`;
  await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp, { mode }));
  const fh = await open(tmp, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await unlink(path);
  return target;
}

/** Rotated siblings of `path` (gzipped or not), oldest first. */
export async function listRotated(path: string): Promise<string[]> {
  const { dir, stem, ext } = splitPath(path);
  const prefix = `${stem}.`;
  const names = await readdir(dir);
  return names
    .filter(
      (n) =>
        n.startsWith(prefix) &&
        /^\d{4}-\d\d-\d\dT/.test(n.slice(prefix.length)) &&
        (n.endsWith(ext) || n.endsWith(`${ext}.gz`)),
    )
    .sort()
    .map((n) => join(dir, n));
}

/** Delete the oldest rotated files beyond `maxFiles` (0 = keep all). Returns the deleted. */
export async function prune(path: string, maxFiles: number): Promise<string[]> {
  if (maxFiles <= 0) return [];
  const rotated = await listRotated(path);
  const doomed = rotated.slice(0, Math.max(0, rotated.length - maxFiles));
  for (const f of doomed) await unlink(f).catch(() => undefined);
  return doomed;
}

/** fsync a directory so a create/rename in it survives a crash. Best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some file systems refuse fsync on directories; the data itself is already synced
  }
}
