import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from './broker.js';
import type { DrainResult } from './types.js';

// What the drain runner observes around a consumer: its files, the queue, the machine.

/** Incremental newline counter over a growing file. */
export function lineCounter(path: string): () => number {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  return () => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return lines;
    }
    try {
      for (;;) {
        const got = readSync(fd, buf, 0, buf.length, offset);
        if (got <= 0) break;
        offset += got;
        for (let i = buf.indexOf(0x0a); i >= 0 && i < got; i = buf.indexOf(0x0a, i + 1)) lines++;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

export function parseSelfReport(stderrPath: string): DrainResult['selfReported'] {
  try {
    const m = /^RESULT (\{.*\})\s*$/m.exec(readFileSync(stderrPath, 'utf8'));
    if (m === null) return undefined;
    const r = JSON.parse(m[1]!) as { secs?: number; eps?: number };
    return { ...(r.secs !== undefined && { secs: r.secs }), ...(r.eps !== undefined && { eps: r.eps }) };
  } catch {
    return undefined;
  }
}

export function tail(path: string, lines = 5): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** The queue depth once the consumer's connection is gone (unacked requeued): stable twice. */
export async function settledDepth(broker: Broker, queue: string): Promise<number | undefined> {
  let prev = await broker.depth(queue);
  for (let i = 0; i < 10; i++) {
    await sleep(300);
    const d = await broker.depth(queue);
    if (d === prev) return d;
    prev = d;
  }
  return prev;
}
/** One poll: when, how big the output file was, the consumer's CPU s. */
export interface Sample {
  readonly t: number;
  readonly size: number;
  readonly cpu: number | undefined;
}

/**
 * The first poll that saw the output at its final size: the last event was written then.
 * Consumers that buffer their output (C, pika) only reach it at exit, so for them this is
 * undefined and the exit is the end; ampstream writes each batch as it goes, so this excludes
 * its stop-condition poll and graceful shutdown, as start-up is excluded at the other end.
 */
export function outputComplete(samples: readonly Sample[], finalSize: number): Sample | undefined {
  if (finalSize <= 0) return undefined;
  return samples.find((x) => x.size >= finalSize && x.cpu !== undefined);
}

export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Cores the rest of the machine used during [spawn, end], or undefined if unknown. */
export function otherCores(a: {
  machineDelta: number | undefined;
  consumer: number | undefined;
  broker: number | undefined;
  harness: number | undefined;
  secs: number | undefined;
}): number | undefined {
  if (
    a.machineDelta === undefined ||
    a.consumer === undefined ||
    a.broker === undefined ||
    a.harness === undefined ||
    !a.secs
  )
    return undefined;
  return Math.max(0, a.machineDelta - a.consumer - a.broker - a.harness) / a.secs;
}
