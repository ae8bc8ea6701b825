import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { RABBIT_URL } from '../helpers/services.js';

/**
 * Waiting budgets are generous on purpose: a forked CLI starts in ~2 s of CPU, but CI runs
 * test files in parallel on 2 cores, where one start can take tens of seconds. They bound
 * hangs; they are not speed assertions.
 */
export const CLI_TEST_TIMEOUT_MS = 300_000;

/**
 * Fork the CLI as a user would run it (`node --import tsx src/cli/main.ts …`), for process
 * behaviour: exit codes, stdout vs stderr, signals, broken pipes.
 */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** resolves when stderr (or stdout) matches, rejects after timeoutMs with what was seen */
  waitFor(pattern: RegExp, where?: 'stderr' | 'stdout', timeoutMs?: number): Promise<void>;
  readonly exited: Promise<CliResult>;
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): CliProcess {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(base)) if (k.startsWith('AMPSTREAM_')) delete base[k];
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    waiters.forEach((w) => w());
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, where = 'stderr', timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(where === 'stderr' ? err : out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(
          () =>
            reject(
              new Error(`timed out waiting for ${pattern} on ${where}\nstdout:\n${out}\nstderr:\n${err}`),
            ),
          timeoutMs,
        );
        waiters.push(check);
        void exited.then(() => {
          check();
          clearTimeout(timer);
          if (!pattern.test(where === 'stderr' ? err : out))
            reject(new Error(`exited before ${pattern} on ${where}\nstdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      });
    },
  };
}

export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): Promise<CliResult> {
  const p = spawnCli(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

/** Ready messages in a queue (passive declare as guest on the local broker). */
export async function queueDepth(queue: string): Promise<number> {
  const { AMQPClient } = await import('@cloudamqp/amqp-client');
  const client = new AMQPClient(RABBIT_URL);
  const conn = await client.connect();
  try {
    const ch = await conn.channel();
    const ok = await ch.queueDeclare(queue, { passive: true });
    return ok.messageCount;
  } finally {
    await conn.close();
  }
}

/** Poll until `check` returns true (or throw after timeoutMs). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Event ids of a JSON-lines file (exact digits, read from the text, never via Number). */
export function idsOfJsonl(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => /"id"\s*:\s*"?(\d+)/.exec(l)?.[1] ?? `?${l.slice(0, 40)}`);
}

/** The same command in-process (no fork): output captured from process.stdout/stderr. */
export async function inProcess(
  run: () => Promise<number>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    return { code: await run(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
