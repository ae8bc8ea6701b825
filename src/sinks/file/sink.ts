import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { AmpError } from '../../errors.js';
import type { Sink, SinkRecord } from '../types.js';
import type { FileSinkOptions } from './config.js';
import { contiguousLines, joinLines } from '../shared/lines.js';
import { filePathProblem } from './path-check.js';
import { gzipFile, moveAside, prune, syncDir } from './rotate.js';

/** (default=8 MiB) the largest batch buffer kept for reuse between writes, in bytes. */
const MAX_SCRATCH_BYTES = 8 * 1024 * 1024;

export interface FileSinkDeps {
  readonly name: string;
  readonly logger: Logger;
  /** (default=Date.now) in ms, for time-based rotation and rotated file names. */
  readonly now?: () => number;
}

/**
 * JSON lines appended to a file with our own rotation on a `FileHandle`, so a batch is one write(2)
 * + one fdatasync(2) and `write()` resolves only once the bytes are on the disk
 * (docs/architecture.md, Delivery contract: "written and fdatasynced"). Rotation happens between
 * batches (never splits one); gzip and retention run in the background after a rotation.
 *
 * Failure model: any I/O error is retryable (`SINK_DISK_FULL` for ENOSPC/EDQUOT,
 * `SINK_WRITE_FAILED` otherwise: path not writable, directory missing, I/O error). A batch
 * that failed half-way is cut off again (ftruncate to the size before it) so the retry never
 * leaves a torn line; if even that fails, the next write starts with a newline.
 */
export class FileSink implements Sink {
  readonly name: string;
  readonly #o: FileSinkOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #fh: FileHandle | undefined;
  #size = 0;
  #openedAt = 0;
  #tornLine = false;
  #scratch: Buffer | undefined;
  #housekeeping: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: FileSinkOptions, deps: FileSinkDeps) {
    this.name = deps.name;
    this.#o = options;
    this.#log = deps.logger;
    this.#now = deps.now ?? Date.now;
  }

  /** Opens the file now if it can; an unwritable path is logged and retried on each write. */
  async start(): Promise<void> {
    const problem = await filePathProblem(this.#o.path);
    if (problem !== undefined) {
      throw new AmpError('SINK_CONFIG', `file sink "${this.name}": ${problem}`, {
        details: { sink: this.name, path: this.#o.path },
        hint: 'set `path` to a file in a writable directory on a real filesystem',
      });
    }
    try {
      await this.#ensureOpen();
    } catch (e) {
      this.#log.warn(
        { err: this.#classify(e, 'open').toJSON() },
        'file sink cannot open its file yet; will retry on write',
      );
    }
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    if (this.#closed) throw new AmpError('INTERNAL', `file sink "${this.name}" is closed`);
    if (batch.length === 0) return;
    // Records rendered into an arena are already JSON lines back to back: written in place.
    let data = contiguousLines(batch);
    if (data === undefined) {
      data = joinLines(batch, this.#scratch);
      if (
        data.length <= MAX_SCRATCH_BYTES &&
        (this.#scratch === undefined || data.buffer !== this.#scratch.buffer)
      ) {
        this.#scratch = Buffer.from(data.buffer, data.byteOffset, data.length);
      }
    }
    try {
      const fh = await this.#ensureOpen();
      if (this.#rotationDue(data.length)) await this.#rotate(fh);
      await this.#append(data);
    } catch (e) {
      throw this.#classify(e, 'write');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const fh = this.#fh;
    this.#fh = undefined;
    if (fh !== undefined) {
      try {
        if (this.#o.fsync) await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    await this.#housekeeping;
  }

  async #ensureOpen(): Promise<FileHandle> {
    if (this.#fh !== undefined) return this.#fh;
    await mkdir(dirname(this.#o.path), { recursive: true });
    const fh = await open(this.#o.path, 'a', this.#o.mode);
    try {
      const st = await fh.stat();
      this.#size = st.size;
      this.#openedAt = st.size > 0 && st.birthtimeMs > 0 ? st.birthtimeMs : this.#now();
      if (st.size === 0) await syncDir(dirname(this.#o.path));
    } catch (e) {
      await fh.close();
      throw e;
    }
    this.#fh = fh;
    return fh;
  }

  #rotationDue(nextBytes: number): boolean {
    if (this.#size === 0) return false;
    if (this.#o.maxBytes > 0 && this.#size + nextBytes > this.#o.maxBytes) return true;
    return this.#o.rotateMinutes > 0 && this.#now() - this.#openedAt >= this.#o.rotateMinutes * 60_000;
  }

  async #rotate(fh: FileHandle): Promise<void> {
    this.#fh = undefined;
    await fh.close();
    const rotated = await moveAside(this.#o.path, new Date(this.#now()));
    this.#tornLine = false;
    await this.#ensureOpen();
    this.#log.info({ rotated }, 'file sink rotated');
    this.#housekeeping = this.#housekeeping.then(() => this.#afterRotate(rotated));
  }

  async #afterRotate(rotated: string): Promise<void> {
    try {
      if (this.#o.gzip) await gzipFile(rotated, this.#o.mode);
      const deleted = await prune(this.#o.path, this.#o.maxFiles);
      if (deleted.length > 0) this.#log.info({ deleted }, 'file sink retention removed old files');
    } catch (e) {
      this.#log.warn(
        { rotated, err: (e as Error).message },
        'file sink housekeeping failed (the data is safe in the rotated file)',
      );
    }
  }

  async #append(data: Buffer): Promise<void> {
    const fh = this.#fh as FileHandle;
    const before = this.#size;
    try {
      if (this.#tornLine) {
        await fh.write(Buffer.from('\n'));
        this.#tornLine = false;
      }
      for (let off = 0; off < data.length;) {
        const { bytesWritten } = await fh.write(data, off, data.length - off);
        off += bytesWritten;
      }
      if (this.#o.fsync) await fh.datasync();
      this.#size += data.length;
    } catch (e) {
      await this.#cutBack(fh, before);
      throw e;
    }
  }

  /** After a failed append: drop the partial batch (the retry writes it again), reopen next time. */
  async #cutBack(fh: FileHandle, size: number): Promise<void> {
    this.#fh = undefined;
    try {
      await fh.truncate(size);
    } catch {
      this.#tornLine = true;
    }
    await fh.close().catch(() => undefined);
  }

  #classify(e: unknown, op: 'open' | 'write'): AmpError {
    const errno = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    const details = { sink: this.name, path: this.#o.path, errno };
    if (errno === 'ENOSPC' || errno === 'EDQUOT') {
      return new AmpError(
        'SINK_DISK_FULL',
        `file sink "${this.name}": no space left to ${op} ${this.#o.path} (${errno})`,
        {
          retryable: true,
          cause: e,
          details,
          hint: 'free disk space or raise the quota; events wait in the broker queue meanwhile',
        },
      );
    }
    return new AmpError(
      'SINK_WRITE_FAILED',
      `file sink "${this.name}": cannot ${op} ${this.#o.path} (${errno})`,
      {
        retryable: true,
        cause: e,
        details,
        hint: 'check that the directory exists and is writable by this user; retrying meanwhile',
      },
    );
  }
}
