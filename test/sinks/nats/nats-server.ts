import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../http/support/net.js';

export const NATS_SERVER = '/usr/sbin/nats-server';

/**
 * A private nats-server with JetStream (file store in its own temp dir, a free loopback port)
 * for the tests that kill, freeze or restart the server, so the shared one is never touched.
 */
export class PrivateNats {
  readonly port: number;
  readonly dir: string;
  readonly #tls: { certFile: string; keyFile: string } | undefined;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, dir: string, tls: { certFile: string; keyFile: string } | undefined) {
    this.port = port;
    this.dir = dir;
    this.#tls = tls;
  }

  /** Picks a port and a store dir; `start()` runs the server (TLS-only when `tls` is given). */
  static async prepare(options: { tls?: { certFile: string; keyFile: string } } = {}): Promise<PrivateNats> {
    return new PrivateNats(await freePort(), await mkdtemp(join(tmpdir(), 'ampstream-nats-')), options.tls);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const tls =
      this.#tls === undefined
        ? []
        : ['--tls', '--tlscert', this.#tls.certFile, '--tlskey', this.#tls.keyFile];
    const child = spawn(
      NATS_SERVER,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir, ...tls],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    child.stdout.on('data', (d: Buffer) => (this.#log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.#log += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(this.port))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${this.#log}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not listen: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no goodbye to clients, as in a crash. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  async dispose(): Promise<void> {
    this.resume();
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
