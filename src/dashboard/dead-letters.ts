import { open, stat } from 'node:fs/promises';

/**
 * The last reasons in the dead-letter file, read from its tail (never the whole file, never
 * the bodies: the dashboard shows time, kind, reason and sink). Re-read only when the file
 * grew.
 */
export interface DeadLetterReason {
  readonly time: string;
  readonly kind: string;
  readonly reason: string;
  readonly route?: string;
}

/** (default=64 KiB) bytes read from the end of the file */
const TAIL_BYTES = 65_536;
/** (default=5) reasons shown */
export const DEAD_LETTER_REASONS = 5;

export class DeadLetterTail {
  readonly #path: string;
  #size = -1;
  #last: DeadLetterReason[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  async last(): Promise<DeadLetterReason[]> {
    const st = await stat(this.#path).catch(() => undefined);
    if (st === undefined) return [];
    if (st.size === this.#size) return this.#last;
    const fh = await open(this.#path, 'r');
    try {
      const len = Math.min(TAIL_BYTES, st.size);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, st.size - len);
      const lines = buf
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'));
      this.#last = lines
        .slice(-DEAD_LETTER_REASONS)
        .reverse()
        .flatMap((l): DeadLetterReason[] => {
          try {
            const d = JSON.parse(l) as Partial<DeadLetterReason>;
            return [
              {
                time: String(d.time ?? ''),
                kind: String(d.kind ?? '?'),
                reason: String(d.reason ?? '').slice(0, 300),
                ...(typeof d.route === 'string' ? { route: d.route } : {}),
              },
            ];
          } catch {
            return [];
          }
        });
      this.#size = st.size;
      return this.#last;
    } finally {
      await fh.close();
    }
  }
}
