import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The machine and software versions the figures were measured on. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly rabbitmq?: string;
  readonly erlang?: string;
  readonly pika?: string;
  readonly python?: string;
  readonly librabbitmq?: string;
  /** 1-minute load average when the bench started (other work on the box adds noise) */
  readonly loadAvgAtStart: number;
}

async function quiet(cmd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, [...args], { timeout: 10_000 });
    return stdout.trim() || stderr.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function rabbitVersions(): Promise<{ rabbitmq?: string; erlang?: string }> {
  try {
    const res = await fetch('http://127.0.0.1:15672/api/overview', {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { rabbitmq_version?: string; erlang_version?: string };
    return {
      ...(body.rabbitmq_version !== undefined && { rabbitmq: body.rabbitmq_version }),
      ...(body.erlang_version !== undefined && { erlang: body.erlang_version }),
    };
  } catch {
    return {};
  }
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let osName = os.type();
  try {
    osName = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // keep os.type()
  }
  const [versions, pika, python, librabbitmq] = await Promise.all([
    rabbitVersions(),
    quiet('/usr/bin/python3', ['-c', 'import pika; print(pika.__version__)']),
    quiet('/usr/bin/python3', ['--version']),
    quiet('dpkg-query', ['-W', '-f=${Version}', 'librabbitmq-dev']),
  ]);
  return {
    cpuModel: model.trim(),
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: osName,
    node: process.version,
    ...versions,
    ...(pika !== undefined && { pika }),
    ...(python !== undefined && { python }),
    ...(librabbitmq !== undefined && { librabbitmq }),
    loadAvgAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function formatMachine(m: Machine): string {
  return [
    `- CPU: ${m.cpuModel}, ${m.cores} cores; RAM ${m.ramGiB} GiB; ${m.os}, kernel ${m.kernel}`,
    `- RabbitMQ ${m.rabbitmq ?? '?'} (Erlang ${m.erlang ?? '?'}), Node ${m.node}, ${m.python ?? 'python ?'} with pika ${m.pika ?? '?'}, librabbitmq ${m.librabbitmq ?? '?'}`,
    `- load average (1 min) at start: ${m.loadAvgAtStart}; broker, consumer and the harness share the ${m.cores} cores`,
  ].join('\n');
}
