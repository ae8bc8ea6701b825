import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Measuring processes from the outside: Linux /proc and GNU `time -v`.
 *
 * proc(5): /proc/<pid>/stat is one line; field 2 (comm) is in parentheses and may itself
 * contain spaces or parentheses, so fields are counted after the LAST ')'. Fields 14 and 15
 * (1-based) are utime and stime in clock ticks (sysconf(_SC_CLK_TCK), 100 on Linux/x86).
 * /proc/<pid>/status has "VmHWM:  <n> kB" (peak resident set size) and "VmRSS:  <n> kB".
 */

export interface CpuTimes {
  /** user + system CPU seconds */
  readonly cpuSecs: number;
}

/** Parse /proc/<pid>/stat text into CPU seconds (utime + stime). */
export function parseProcStat(text: string, clockTicks: number): CpuTimes {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  // after ") " come fields 3.. : state(3) ppid(4) … utime(14) stime(15)
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error('bad utime/stime in /proc/<pid>/stat');
  return { cpuSecs: (utime + stime) / clockTicks };
}

/** Parse one "Name:  <n> kB" field of /proc/<pid>/status into MB (1 MB = 1024 kB), or undefined. */
export function parseStatusKb(text: string, field: 'VmHWM' | 'VmRSS'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]) / 1024;
}

export interface TimeVerbose {
  readonly userSecs: number;
  readonly sysSecs: number;
  /** "Maximum resident set size (kbytes)", in MB */
  readonly maxRssMb: number;
  readonly wallSecs: number;
  /** "Exit status", or undefined when the command was killed by a signal */
  readonly exitStatus: number | undefined;
  /** "Command terminated by signal N" */
  readonly signal: number | undefined;
}

/** "h:mm:ss" or "m:ss.ss" → seconds */
function parseClock(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/**
 * Parse the report of GNU time 1.9 `-v` (what `/usr/bin/time -v -o FILE cmd` writes), e.g.
 *   Command terminated by signal 15
 *   User time (seconds): 1.84
 *   System time (seconds): 0.41
 *   Elapsed (wall clock) time (h:mm:ss or m:ss): 0:12.31
 *   Maximum resident set size (kbytes): 5232
 *   Exit status: 0
 */
export function parseTimeVerbose(text: string): TimeVerbose {
  const num = (label: string): number | undefined => {
    const m = new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}:\\s*(\\S+)\\s*$`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  };
  const user = num('User time (seconds)');
  const sys = num('System time (seconds)');
  const rss = num('Maximum resident set size (kbytes)');
  if (user === undefined || sys === undefined || rss === undefined) throw new Error('not a `time -v` report');
  const wall = /^\s*Elapsed \(wall clock\) time.*\):\s*(\S+)\s*$/m.exec(text);
  const sig = /Command terminated by signal (\d+)/.exec(text);
  return {
    userSecs: user,
    sysSecs: sys,
    maxRssMb: rss / 1024,
    wallSecs: wall === null ? NaN : parseClock(wall[1]!),
    exitStatus: sig === null ? num('Exit status') : undefined,
    signal: sig === null ? undefined : Number(sig[1]),
  };
}

let clockTicksCache: number | undefined;
export function clockTicks(): number {
  if (clockTicksCache === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    clockTicksCache = Number(out) > 0 ? Number(out) : 100;
  }
  return clockTicksCache;
}

/** CPU seconds of a live process, or undefined if it is gone. */
export function readCpuSecs(pid: number): number | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicks()).cpuSecs;
  } catch {
    return undefined;
  }
}

export function readStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    return parseStatusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
  } catch {
    return undefined;
  }
}

/** Direct children of a process (Linux ≥ 3.5 /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter((s) => s !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * The RabbitMQ node's Erlang VM: the `beam.smp` process whose command line mentions rabbit
 * (short-lived `rabbitmqctl` VMs do too, so take the one with the largest RSS).
 */
export function findBrokerPid(): number | undefined {
  let best: { pid: number; rss: number } | undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmdline.includes('rabbit')) continue;
      const rss = readStatusMb(Number(name), 'VmRSS') ?? 0;
      if (best === undefined || rss > best.rss) best = { pid: Number(name), rss };
    } catch {
      // the process went away while we looked
    }
  }
  return best?.pid;
}

/**
 * Busy CPU seconds of the whole machine, summed over cores, from the first line of /proc/stat:
 * "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (clock ticks).
 * Busy = everything but idle and iowait; guest time is already inside user (proc(5)).
 */
export function parseMachineBusySecs(procStat: string, clockTicks: number): number {
  const line = /^cpu\s+(.+)$/m.exec(procStat);
  if (line === null) throw new Error('no "cpu" line in /proc/stat');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line[1]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / clockTicks;
}

export function readMachineBusySecs(): number | undefined {
  try {
    return parseMachineBusySecs(readFileSync('/proc/stat', 'utf8'), clockTicks());
  } catch {
    return undefined;
  }
}
