import { z } from 'zod';

/** (default=true) fdatasync after every batch, before the pipeline acks it. */
export const DEFAULT_FILE_FSYNC = true;
/** (default=104_857_600 = 100 MiB) rotate when the next batch would take the file past this, in bytes; 0 = never. */
export const DEFAULT_FILE_MAX_BYTES = 100 * 1024 * 1024;
/** (default=0 = off) rotate a file this many minutes after it was opened, in minutes. */
export const DEFAULT_FILE_ROTATE_MINUTES = 0;
/** (default=true) gzip rotated files (`<name>.<time>.jsonl.gz`). */
export const DEFAULT_FILE_GZIP = true;
/** (default=10) rotated files kept, by count (the live file not included); 0 = keep all. */
export const DEFAULT_FILE_MAX_FILES = 10;
/** (default=0o640) permission bits of new files (events are sensitive, not secret). */
export const DEFAULT_FILE_MODE = 0o640;

/** `type: file`: JSON lines appended to `path`, rotated by size and/or time, gzipped, pruned. */
export const fileSinkOptions = z
  .object({
    type: z.literal('file'),
    /** File the events are appended to, e.g. /var/lib/ampstream/events.jsonl. */
    path: z.string().min(1),
    fsync: z.boolean().default(DEFAULT_FILE_FSYNC),
    maxBytes: z.number().int().nonnegative().default(DEFAULT_FILE_MAX_BYTES),
    rotateMinutes: z.number().nonnegative().default(DEFAULT_FILE_ROTATE_MINUTES),
    gzip: z.boolean().default(DEFAULT_FILE_GZIP),
    maxFiles: z.number().int().nonnegative().default(DEFAULT_FILE_MAX_FILES),
    mode: z.number().int().min(0).max(0o777).default(DEFAULT_FILE_MODE),
  })
  .strict();

export type FileSinkOptions = z.infer<typeof fileSinkOptions>;
