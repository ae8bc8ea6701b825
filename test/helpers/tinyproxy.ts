import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../sinks/http/support/net.js';

/**
 * A real HTTP proxy for the proxy tests: Debian's tinyproxy, fully private. Its own generated
 * config in a temp dir (Port, Listen/Allow 127.0.0.1, optional BasicAuth, optional ConnectPort
 * lines, LogFile, no PidFile), a free loopback port, run in the foreground (`-d`) as a child of
 * the test, so `stop()`/`restart()` kill exactly that process. `log()` reads its log file, where
 * every CONNECT is recorded (`LogLevel Info` logs each request line, `CONNECT host:port`).
 *
 *   const proxy = await startTinyproxy({ auth: { user: 'u', password: 'p' } });
 *   proxy.url          // http://127.0.0.1:<port> (no credentials)
 *   proxy.urlWithAuth  // http://u:p@127.0.0.1:<port>
 *   await proxy.restart();   // kill -TERM, same port, fresh process: every tunnel is cut
 *   await proxy.stop(); …; await proxy.start();   // down for a while, then back on the same port
 *   await proxy.stop();
 */

export const TINYPROXY = '/usr/bin/tinyproxy';

export interface TinyproxyOptions {
  readonly auth?: { readonly user: string; readonly password: string };
  /** ports CONNECT may reach; (default=none listed: tinyproxy then allows every port) */
  readonly connectPorts?: readonly number[];
}

export interface RunningTinyproxy {
  readonly port: number;
  readonly url: string;
  readonly urlWithAuth: string;
  readonly dir: string;
  log(): Promise<string>;
  /** start again after `stop()`, on the same port */
  start(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** stop and remove the temp dir */
  close(): Promise<void>;
}

async function waitListening(port: number, child: ChildProcess, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`tinyproxy did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<RunningTinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'ampstream-tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 60',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    'MaxClients 50',
    ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ...(options.auth === undefined ? [] : [`BasicAuth ${options.auth.user} ${options.auth.password}`]),
    '',
  ].join('\n');
  const confFile = join(dir, 'tinyproxy.conf');
  await writeFile(confFile, conf);
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const c = spawn(TINYPROXY, ['-d', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr?.resume();
    child = c;
    await waitListening(port, c);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  const base = `127.0.0.1:${port}`;
  return {
    port,
    url: `http://${base}`,
    urlWithAuth:
      options.auth === undefined
        ? `http://${base}`
        : `http://${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.password)}@${base}`,
    dir,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    start,
    async restart() {
      await stop();
      await start();
    },
    stop,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
