import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Broker } from './broker.js';

/**
 * The harness side of bench/builtin-broker-process.ts: the same `Broker` interface the
 * RabbitMQ rows use (fill, depth, recreate, delete), over the child's stdin/stdout, plus the
 * child's pid (its CPU and RSS are the "broker" columns of the `ampstream_builtin` row) and
 * the AMQPS port and CA of its TLS front.
 */

const ENTRY = fileURLToPath(new URL('./builtin-broker-process.ts', import.meta.url));

export interface BuiltinBrokerProcess {
  readonly broker: Broker;
  readonly pid: number;
  readonly port: number;
  readonly caPath: string;
  stop(): Promise<void>;
}

export async function startBuiltinBrokerProcess(): Promise<BuiltinBrokerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await answers.next();
    if (r.done === true) throw new Error('the built-in broker process exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const write = (s: string): Promise<void> =>
    new Promise((resolve) => {
      if (child.stdin!.write(s)) resolve();
      else child.stdin!.once('drain', resolve);
    });
  child.stdin!.on('error', () => undefined); // the process died: the next read says so
  const call = async (o: unknown): Promise<Record<string, unknown>> => {
    await write(`${JSON.stringify(o)}\n`);
    return next();
  };
  const hello = await next();
  const broker: Broker = {
    async recreateQueue(queue) {
      await call({ op: 'recreate', queue });
    },
    async depth(queue) {
      const d = (await call({ op: 'depth', queue }))['depth'];
      return typeof d === 'number' ? d : undefined;
    },
    async deleteQueue(queue) {
      await call({ op: 'delete', queue });
    },
    async fill(queue, events, n, sample, onProgress) {
      await write(`${JSON.stringify({ op: 'fill', queue, n })}\n`);
      const stream = events.open();
      const sampledIds: string[] = [];
      let nextSample = 0;
      let bytes = 0;
      let chunk: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        const { id, body } = stream.next();
        if (sample[nextSample] === i) {
          sampledIds.push(id);
          nextSample++;
        }
        bytes += body.length;
        chunk.push(body, Buffer.from('\n'));
        if (chunk.length >= 2000) {
          await write(Buffer.concat(chunk).toString('utf8'));
          chunk = [];
          onProgress?.(i + 1);
        }
      }
      if (chunk.length > 0) await write(Buffer.concat(chunk).toString('utf8'));
      await next();
      onProgress?.(n);
      return { bytes, sampledIds };
    },
    async close() {
      // the process is stopped by stop()
    },
  };
  return {
    broker,
    pid: child.pid!,
    port: Number(hello['port']),
    caPath: String(hello['caPath']),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
