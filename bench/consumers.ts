import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConsumerSpec } from './types.js';

const run = promisify(execFile);

/** The reference consumers' parameters, as in bench/reference/README.md. */
const C_PREFETCH = 2000; // messages
const C_ACK_EVERY = 500; // messages, ack(multiple=true)
/** Debian's python: it has python3-pika, a pyenv python does not. */
const PYTHON = '/usr/bin/python3';

export interface ReferencePaths {
  /** directory holding c_consume.c and seed_pika.py */
  readonly refDir: string;
  /** directory for build products (bench/out) */
  readonly outDir: string;
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(e)).split('\n')[0]!;
}

export function cConsumer(paths: ReferencePaths, mode: 'ack' | 'noack' = 'ack'): ConsumerSpec {
  const bin = join(paths.outDir, 'c_consume');
  return {
    name: `c_${mode}`,
    description: `C librabbitmq (c_consume.c), prefetch ${C_PREFETCH}, ${mode === 'ack' ? `ack multiple every ${C_ACK_EVERY}` : 'no-ack'}, raw lines to a 1 MB-buffered file`,
    acks: true,
    stop: 'exits',
    format: 'raw',
    ampstream: false,
    async prepare() {
      const src = join(paths.refDir, 'c_consume.c');
      if (!existsSync(src)) return `${src} not found`;
      try {
        await run('gcc', ['-O2', '-o', bin, src, '-lrabbitmq']);
        return undefined;
      } catch (e) {
        return `gcc -O2 c_consume.c -lrabbitmq failed (is librabbitmq-dev installed?): ${firstLine(e)}`;
      }
    },
    launch: (ctx) => ({
      cmd: bin,
      args: [
        String(ctx.n),
        ctx.queue,
        String(C_PREFETCH),
        mode === 'ack' ? String(C_ACK_EVERY) : '0',
        ctx.outputPath,
      ],
      stdout: 'ignore',
    }),
  };
}

const PIKA_MODES = {
  asis: 'the seed as written: never acks, no qos (drains nothing)',
  ack: 'the seed + basic_ack per message, no qos',
  p1000: 'the seed + qos 1000 + basic_ack per message',
  batch: 'qos 1000 + ack multiple every 500 (not in the seed)',
} as const;
export type PikaMode = keyof typeof PIKA_MODES;

export function pikaConsumer(paths: ReferencePaths, mode: PikaMode): ConsumerSpec {
  const script = join(paths.refDir, 'seed_pika.py');
  return {
    name: `pika_${mode}`,
    description: `seed_pika.py ${mode}: ${PIKA_MODES[mode]}; print(body) to a file`,
    acks: mode !== 'asis',
    stop: 'exits',
    format: 'raw',
    ampstream: false,
    async prepare() {
      if (!existsSync(script)) return `${script} not found`;
      try {
        await run(PYTHON, ['-c', 'import pika']);
        return undefined;
      } catch (e) {
        return `${PYTHON} cannot import pika (install Debian's python3-pika): ${firstLine(e)}`;
      }
    },
    launch: (ctx) => ({
      cmd: PYTHON,
      args: [script, mode, String(ctx.n), ctx.queue],
      stdout: 'output',
    }),
  };
}

export const referenceNames = [
  'c_ack',
  'c_noack',
  'pika_asis',
  'pika_ack',
  'pika_p1000',
  'pika_batch',
] as const;

export function referenceConsumer(paths: ReferencePaths, name: string): ConsumerSpec | undefined {
  switch (name) {
    case 'c_ack':
      return cConsumer(paths, 'ack');
    case 'c_noack':
      return cConsumer(paths, 'noack');
    case 'pika_asis':
    case 'pika_ack':
    case 'pika_p1000':
    case 'pika_batch':
      return pikaConsumer(paths, name.slice('pika_'.length) as PikaMode);
    default:
      return undefined;
  }
}
