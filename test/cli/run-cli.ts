import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', AMPSTREAM_LOG_LEVEL: '', ...env },
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
    waitFor(pattern, where = 'stderr', timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(where === 'stderr' ? err : out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} on ${where}\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        waiters.push(check);
        void exited.then(() => {
          check();
          clearTimeout(timer);
          if (!pattern.test(where === 'stderr' ? err : out)) reject(new Error(`exited before ${pattern} on ${where}\nstdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      });
    },
  };
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  const p = spawnCli(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}
