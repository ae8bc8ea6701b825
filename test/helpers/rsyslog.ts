import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../sinks/http/support/net.js';

/**
 * A real rsyslogd for the syslog sink tests, fully private: its own generated config (`-f`),
 * pid file (`-i`), work directory and free loopback ports; no imuxsock/imklog, so it never
 * touches /dev/log or the system's /etc/rsyslog.conf. It listens with imtcp (octet-counted
 * framing is on by default), an imtcp TLS listener through the gtls driver (certificates made
 * by openssl for the test), and optionally imudp; every message goes to one file through a
 * template that keeps PRI, timestamp, header fields, structured data and MSG.
 */

const run = promisify(execFile);

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A second CA that signed nothing here: for "unknown CA is refused" tests. */
  readonly otherCaFile: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost (ECDSA P-256, 2 days). */
export async function generateTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=ampstream-test-ca',
    ...ca,
  ]);
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('other-ca.key'),
    '-out',
    p('other-ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=other-ca',
    ...ca,
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(
    p('ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('ext.cnf'),
  ]);
  return {
    dir,
    caFile: p('ca.pem'),
    certFile: p('server.pem'),
    keyFile: p('server.key'),
    otherCaFile: p('other-ca.pem'),
  };
}

/** One line of the output file, split back into its fields. */
export interface ReceivedMessage {
  readonly pri: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly structuredData: string;
  readonly msg: string;
  /** The `id` SD-PARAM, when there is one. */
  readonly id: string | undefined;
}

const SEP = '\t|\t';

export class Rsyslog {
  readonly dir: string;
  readonly pki: TestPki;
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly udpPort: number;
  readonly outFile: string;
  #child: ChildProcess | undefined;
  #stderr = '';
  #readBytes = 0;
  readonly #parsed: ReceivedMessage[] = [];

  private constructor(dir: string, pki: TestPki, ports: { tcp: number; tls: number; udp: number }) {
    this.dir = dir;
    this.pki = pki;
    this.tcpPort = ports.tcp;
    this.tlsPort = ports.tls;
    this.udpPort = ports.udp;
    this.outFile = join(dir, 'messages.log');
  }

  static async start(): Promise<Rsyslog> {
    const dir = await mkdtemp(join(tmpdir(), 'ampstream-rsyslog-'));
    const pki = await generateTestPki(join(dir, 'pki'));
    await mkdir(join(dir, 'work'));
    const r = new Rsyslog(dir, pki, { tcp: await freePort(), tls: await freePort(), udp: await freePort() });
    await writeFile(join(dir, 'rsyslog.conf'), r.#config());
    await r.#spawn();
    return r;
  }

  #config(): string {
    const q = JSON.stringify;
    return [
      `global(workDirectory=${q(join(this.dir, 'work'))} maxMessageSize="256k"`,
      `  defaultNetstreamDriverCAFile=${q(this.pki.caFile)}`,
      `  defaultNetstreamDriverCertFile=${q(this.pki.certFile)}`,
      `  defaultNetstreamDriverKeyFile=${q(this.pki.keyFile)})`,
      'module(load="imtcp" maxSessions="200")',
      'module(load="imudp")',
      `input(type="imtcp" address="127.0.0.1" port="${this.tcpPort}" ruleset="out")`,
      `input(type="imtcp" address="127.0.0.1" port="${this.tlsPort}" ruleset="out"`,
      '  streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")',
      `input(type="imudp" address="127.0.0.1" port="${this.udpPort}" ruleset="out")`,
      `template(name="fields" type="string" string="%pri%${SEP}%timereported:::date-rfc3339%${SEP}%hostname%${SEP}%app-name%${SEP}%procid%${SEP}%msgid%${SEP}%structured-data%${SEP}%msg%\\n")`,
      'ruleset(name="out") {',
      `  action(type="omfile" file=${q(this.outFile)} template="fields")`,
      '}',
      '',
    ].join('\n');
  }

  async #spawn(): Promise<void> {
    const pidFile = join(this.dir, 'rsyslogd.pid');
    await rm(pidFile, { force: true });
    const child = spawn(RSYSLOGD, ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', pidFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    await this.#waitListening([this.tcpPort, this.tlsPort]);
  }

  async #waitListening(ports: number[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      for (;;) {
        if (this.#child?.exitCode !== null) throw new Error(`rsyslogd exited: ${this.#stderr}`);
        if (await canConnect(port)) break;
        if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${port}: ${this.#stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** SIGTERM and wait for the exit (rsyslog flushes its output file first). */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  }

  /** Start again on the same ports (after `stop`). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Freeze the daemon (SIGSTOP): connections stay open but nothing is read. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Every message received so far (the file is read incrementally: only new lines are parsed). */
  async messages(): Promise<ReceivedMessage[]> {
    let text: Buffer;
    try {
      text = await readFile(this.outFile);
    } catch {
      return this.#parsed;
    }
    const end = text.lastIndexOf(0x0a) + 1; // only complete lines
    if (end > this.#readBytes) {
      const fresh = text.subarray(this.#readBytes, end).toString('utf8');
      this.#readBytes = end;
      for (const line of fresh.split('\n')) if (line !== '') this.#parsed.push(parseLine(line));
    }
    return this.#parsed;
  }

  /** Polls the output file until every id has arrived (or throws after `timeoutMs`). */
  async waitForIds(ids: readonly string[], timeoutMs = 20_000): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = await this.messages();
      const seen = new Set(msgs.map((m) => m.id));
      const missing = ids.filter((id) => !seen.has(id));
      if (missing.length === 0) return msgs;
      if (Date.now() > deadline) {
        throw new Error(
          `rsyslog is missing ${missing.length}/${ids.length} ids (first: ${missing[0]}); stderr: ${this.#stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function parseLine(line: string): ReceivedMessage {
  const f = line.split(SEP);
  const sd = f[6] ?? '';
  const id = /\bid="(\d+)"/.exec(sd)?.[1];
  return {
    pri: Number(f[0]),
    timestamp: f[1] ?? '',
    hostname: f[2] ?? '',
    appName: f[3] ?? '',
    procId: f[4] ?? '',
    msgId: f[5] ?? '',
    structuredData: sd,
    msg: f.slice(7).join(SEP),
    id,
  };
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
