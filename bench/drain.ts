import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from './broker.js';
import {
  cpuMicros,
  fileSize,
  lineCounter,
  otherCores,
  outputComplete,
  parseSelfReport,
  settledDepth,
  tail,
  type Sample,
} from './observe.js';
import {
  childPids,
  parseTimeVerbose,
  readCpuSecs,
  readMachineBusySecs,
  readStatusMb,
  type TimeVerbose,
} from './procfs.js';
import type { ConsumerSpec, DrainContext, DrainResult, DrainStatus } from './types.js';

/**
 * One drain of one consumer, measured from the outside:
 * - the consumer runs under GNU `time -v` (CPU and peak RSS of the whole process, as
 *   wait4(2) reports them); its CPU is also read from /proc when the first deliveries are
 *   seen, so µs/event counts the drain and not the start-up (a Node VM loading its modules
 *   costs ~0.5 s of CPU, 2.5 µs/event over 200,000 events, and ~0 for C);
 * - the drain starts when the queue's ready count first drops below N (passive declare,
 *   polled every POLL_MS: the first deliveries), so interpreter/VM start-up is not counted,
 *   and ends when the last event is written: the first poll that sees the output file at its
 *   final size, or the exit for consumers that flush their output only when they exit (or,
 *   for `sigterm-at-n`, when the output file has N lines); CPU is read from /proc at both
 *   ends, so µs/event counts neither start-up nor shutdown;
 * - broker CPU is the RabbitMQ VM's utime+stime delta from spawn to the end of the drain;
 * - "other load" is what the rest of the machine burnt meanwhile (all busy CPU from
 *   /proc/stat minus consumer, broker and this harness), in cores: the noise indicator of a
 *   shared box. A drain with other load near 1 core had half the machine taken away.
 */

/** Poll period of the queue depth and the output file, in ms. */
const POLL_MS = 20;
/** Broker RSS is sampled this often, in ms. */
const BROKER_RSS_EVERY_MS = 250;
/** After SIGTERM, SIGKILL if the consumer has not exited within this, in ms. */
const TERM_GRACE_MS = 30_000;

export interface DrainDeps {
  readonly broker: Broker;
  readonly brokerPid: number | undefined;
  /** abort when neither the queue nor the output file moved for this long, in s */
  readonly stallSecs: number;
  /** abort a drain that has not finished after this long, in s */
  readonly maxSecs: number;
  readonly log: (line: string) => void;
}

interface Watch {
  tStart?: number | undefined;
  /** consumer CPU s when the first deliveries were seen: its start-up cost */
  cpuAtStart?: number | undefined;
  tEnd?: number | undefined;
  cpuAtEnd?: number | undefined;
  hwmAtEnd?: number | undefined;
  brokerCpuAtEnd?: number | undefined;
  /** machine busy CPU s and harness CPU µs at the end of the drain */
  machineAtEnd?: number | undefined;
  harnessAtEnd?: number | undefined;
  brokerPeakRss: number;
  status: DrainStatus;
  note?: string;
}

export async function runDrain(
  spec: ConsumerSpec,
  ctx: DrainContext,
  rep: number,
  deps: DrainDeps,
): Promise<DrainResult> {
  const launch = spec.launch(ctx);
  const timePath = join(ctx.dir, `${spec.name}.time`);
  const stderrPath = join(ctx.dir, `${spec.name}.stderr`);
  const outFd = launch.stdout === 'output' ? openSync(ctx.outputPath, 'w') : 'ignore';
  const errFd = openSync(stderrPath, 'w');
  const w: Watch = { brokerPeakRss: 0, status: 'ok' };
  const brokerCpu0 = deps.brokerPid === undefined ? undefined : readCpuSecs(deps.brokerPid);
  const machine0 = readMachineBusySecs();
  const harness0 = cpuMicros();
  const tSpawn = performance.now();
  const child = spawn('/usr/bin/time', ['-v', '-o', timePath, launch.cmd, ...launch.args], {
    stdio: ['ignore', outFd, errFd],
    env: { ...process.env, ...launch.env },
  });
  if (typeof outFd === 'number') closeSync(outFd);
  closeSync(errFd);
  let tExit: number | undefined;
  let brokerCpuAtExit: number | undefined;
  let machineAtExit: number | undefined;
  let harnessAtExit: number | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      tExit = performance.now();
      if (deps.brokerPid !== undefined) brokerCpuAtExit = readCpuSecs(deps.brokerPid);
      machineAtExit = readMachineBusySecs();
      harnessAtExit = cpuMicros();
      resolve();
    });
    child.on('error', (e) => {
      w.status = 'failed';
      w.note = `could not start: ${e.message}`;
      resolve();
    });
  });

  let innerPid: number | undefined;
  const inner = (): number | undefined => (innerPid ??= childPids(child.pid ?? -1)[0]);
  const kill = (signal: NodeJS.Signals): void => {
    const pid = inner();
    try {
      if (pid !== undefined) process.kill(pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };

  const countLines = lineCounter(ctx.outputPath);
  const samples: Sample[] = [];
  let lastDepth: number | undefined;
  let lastSize = -1;
  let lastProgress = tSpawn;
  let lastRssSample = 0;
  let termSentAt: number | undefined;
  while (tExit === undefined && w.status !== 'failed') {
    await Promise.race([sleep(POLL_MS), exited]);
    if (tExit !== undefined) break;
    const now = performance.now();
    const depth = await deps.broker.depth(ctx.queue);
    if (depth !== undefined && depth < ctx.n && w.tStart === undefined) {
      w.tStart = performance.now();
      const pid = inner();
      if (pid !== undefined) w.cpuAtStart = readCpuSecs(pid);
    }
    const size = fileSize(ctx.outputPath);
    const pid = inner();
    samples.push({ t: performance.now(), size, cpu: pid === undefined ? undefined : readCpuSecs(pid) });
    if (depth !== lastDepth || size !== lastSize) lastProgress = now;
    lastDepth = depth;
    lastSize = size;
    if (deps.brokerPid !== undefined && now - lastRssSample >= BROKER_RSS_EVERY_MS) {
      lastRssSample = now;
      w.brokerPeakRss = Math.max(w.brokerPeakRss, readStatusMb(deps.brokerPid, 'VmRSS') ?? 0);
    }
    if (spec.stop === 'sigterm-at-n' && termSentAt === undefined && countLines() >= ctx.n) {
      w.tEnd = performance.now();
      const pid = inner();
      if (pid !== undefined) {
        w.cpuAtEnd = readCpuSecs(pid);
        w.hwmAtEnd = readStatusMb(pid, 'VmHWM');
      }
      if (deps.brokerPid !== undefined) w.brokerCpuAtEnd = readCpuSecs(deps.brokerPid);
      w.machineAtEnd = readMachineBusySecs();
      w.harnessAtEnd = cpuMicros();
      kill('SIGTERM');
      termSentAt = now;
    }
    if (termSentAt !== undefined && now - termSentAt > TERM_GRACE_MS) {
      w.note = `did not exit within ${TERM_GRACE_MS / 1000} s of SIGTERM (killed)`;
      kill('SIGKILL');
    }
    if (termSentAt === undefined && now - lastProgress > deps.stallSecs * 1000) {
      w.status = 'stalled';
      w.note = `no progress for ${deps.stallSecs} s (queue ready=${depth ?? '?'}, output ${countLines()} lines): killed`;
      kill('SIGKILL');
      termSentAt = now;
    } else if (termSentAt === undefined && now - tSpawn > deps.maxSecs * 1000) {
      w.status = 'timeout';
      w.note = `not done after ${deps.maxSecs} s: killed`;
      kill('SIGKILL');
      termSentAt = now;
    }
  }
  await exited;
  const load = { machine0, harness0, machineAtExit, harnessAtExit };
  const complete = outputComplete(samples, fileSize(ctx.outputPath));
  return finish(spec, ctx, rep, deps, {
    w,
    tSpawn,
    tExit,
    complete,
    brokerCpu0,
    brokerCpuAtExit,
    load,
    timePath,
    stderrPath,
  });
}

interface Finish {
  readonly w: Watch;
  readonly tSpawn: number;
  readonly tExit: number | undefined;
  /** when the output reached its final size, if a poll saw it before the exit */
  readonly complete: Sample | undefined;
  readonly brokerCpu0: number | undefined;
  readonly brokerCpuAtExit: number | undefined;
  readonly load: {
    readonly machine0: number | undefined;
    readonly harness0: number;
    readonly machineAtExit: number | undefined;
    readonly harnessAtExit: number | undefined;
  };
  readonly timePath: string;
  readonly stderrPath: string;
}

async function finish(
  spec: ConsumerSpec,
  ctx: DrainContext,
  rep: number,
  deps: DrainDeps,
  f: Finish,
): Promise<DrainResult> {
  const { w } = f;
  let tv: TimeVerbose | undefined;
  try {
    tv = parseTimeVerbose(readFileSync(f.timePath, 'utf8'));
  } catch {
    tv = undefined;
  }
  const signalled = spec.stop === 'sigterm-at-n' && w.tEnd !== undefined;
  if (w.status === 'ok') {
    const exitOk =
      tv !== undefined &&
      (tv.exitStatus === 0 || (signalled && tv.signal === undefined) || (signalled && tv.signal === 15));
    if (!exitOk) {
      w.status = 'failed';
      w.note = `exit ${tv?.exitStatus ?? '?'}${tv?.signal !== undefined ? ` (signal ${tv.signal})` : ''}: ${tail(f.stderrPath)}`;
    }
  }
  const complete = signalled || f.w.status !== 'ok' ? undefined : f.complete;
  const tEnd = signalled ? w.tEnd! : (complete?.t ?? f.tExit);
  const tStart = w.tStart ?? f.tSpawn;
  const drainSecs = tEnd === undefined ? undefined : (tEnd - tStart) / 1000;
  const cpuSecs = signalled ? w.cpuAtEnd : tv === undefined ? undefined : tv.userSecs + tv.sysSecs;
  const brokerEnd = signalled ? w.brokerCpuAtEnd : f.brokerCpuAtExit;
  const brokerCpuSecs =
    brokerEnd === undefined || f.brokerCpu0 === undefined ? undefined : brokerEnd - f.brokerCpu0;
  const machineEnd = signalled ? w.machineAtEnd : f.load.machineAtExit;
  const harnessEnd = signalled ? w.harnessAtEnd : f.load.harnessAtExit;
  const others = otherCores({
    machineDelta:
      machineEnd === undefined || f.load.machine0 === undefined ? undefined : machineEnd - f.load.machine0,
    consumer: cpuSecs,
    broker: brokerCpuSecs,
    harness: harnessEnd === undefined ? undefined : (harnessEnd - f.load.harness0) / 1e6,
    secs: tEnd === undefined ? undefined : (tEnd - f.tSpawn) / 1000,
  });
  const depthAfter = await settledDepth(deps.broker, ctx.queue);
  const ok = w.status === 'ok';
  const per = (secs: number): number => (secs / ctx.n) * 1e6;
  const selfReported = parseSelfReport(f.stderrPath);
  return {
    config: spec.name,
    rep,
    n: ctx.n,
    status: w.status,
    ...(w.note !== undefined && { note: w.note }),
    ...(ok && drainSecs !== undefined && { drainSecs, eps: ctx.n / drainSecs }),
    ...(f.tExit !== undefined && { wallSecs: (f.tExit - f.tSpawn) / 1000 }),
    ...(selfReported !== undefined && { selfReported }),
    ...(cpuSecs !== undefined && {
      cpuSecs,
      usPerEvent: per((complete?.cpu ?? cpuSecs) - (w.cpuAtStart ?? 0)),
    }),
    ...(complete?.cpu !== undefined &&
      cpuSecs !== undefined && { shutdownCpuSecs: Math.max(0, cpuSecs - complete.cpu) }),
    ...(w.cpuAtStart !== undefined && { startupCpuSecs: w.cpuAtStart }),
    ...(tv !== undefined && { peakRssMb: Math.max(tv.maxRssMb, w.hwmAtEnd ?? 0) }),
    ...(brokerCpuSecs !== undefined && { brokerCpuSecs, brokerUsPerEvent: per(brokerCpuSecs) }),
    ...(w.brokerPeakRss > 0 && { brokerPeakRssMb: w.brokerPeakRss }),
    ...(depthAfter !== undefined && { depthAfter }),
    ...(others !== undefined && { otherCores: others }),
  };
}
