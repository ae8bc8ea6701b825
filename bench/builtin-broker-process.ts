/**
 * The emulator's built-in broker in a process of its own, for the `ampstream_builtin` bench
 * row (so that its CPU and RSS are measured apart from the harness, as RabbitMQ's are): an
 * in-memory BuiltinBroker behind the emulator's AMQPS front (TLS terminated in this process,
 * a local CA in a temp dir). Controlled by JSON lines on stdin, answered on stdout:
 *
 *   {"op":"recreate","queue":Q}   empty queue Q; user guest/guest may read it
 *   {"op":"fill","queue":Q,"n":N} then N lines, one event body each   → {"ok":true}
 *   {"op":"depth","queue":Q}                                           → {"depth":D}
 *   {"op":"delete","queue":Q}
 * The first line written is {"port":P,"caPath":PATH}.
 *
 * AMPSTREAM_BENCH_BUILTIN_PIPE=1 measures the alternative the emulator did not take: the TLS
 * front piping each connection to a plain local listener of the broker (a second socket
 * pair), instead of handing the decrypted stream to the broker directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { BuiltinBroker } from '../src/emulator/broker/builtin/broker.js';
import type { FrontTarget } from '../src/emulator/broker/stream-broker.js';
import { ensureLocalCa } from '../src/emulator/ca.js';
import { startAmqpsFront } from '../src/emulator/front.js';
import { silentLogger } from '../src/telemetry/logger.js';

const PROPS = { contentType: 'application/octet-stream', deliveryMode: 2, priority: 0 };

const dir = await mkdtemp(join(tmpdir(), 'ampstream-bench-builtin-'));
const ca = await ensureLocalCa(dir, '127.0.0.1');
const broker = new BuiltinBroker({
  logger: silentLogger,
  maxQueueLength: 10_000_000,
  version: 'bench',
});
let plain: Server | undefined;
let target: FrontTarget = { kind: 'adopt', adopt: (s) => broker.adopt(s) };
if (process.env['AMPSTREAM_BENCH_BUILTIN_PIPE'] === '1') {
  const server = createServer((s) => broker.adopt(s));
  plain = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = { kind: 'forward', host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}
const front = await startAmqpsFront({
  host: '127.0.0.1',
  port: 0,
  certPem: ca.certPem,
  keyPem: ca.keyPem,
  target,
  logger: silentLogger,
});
const reply = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
reply({ port: front.port, caPath: ca.caPath });

let filling: { queue: string; left: number; batch: Buffer[] } | undefined;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (filling !== undefined) {
    filling.batch.push(Buffer.from(line, 'utf8'));
    filling.left--;
    if (filling.batch.length >= 1000 || filling.left === 0) {
      broker.inject(filling.queue, PROPS, filling.batch);
      filling.batch = [];
    }
    if (filling.left === 0) {
      filling = undefined;
      reply({ ok: true });
    }
    continue;
  }
  const cmd = JSON.parse(line) as { op: string; queue: string; n?: number };
  if (cmd.op === 'recreate') {
    broker.deleteQueue(cmd.queue);
    broker.declareQueue(cmd.queue);
    broker.putUser('guest', 'guest', cmd.queue);
    reply({ ok: true });
  } else if (cmd.op === 'fill') {
    filling = { queue: cmd.queue, left: cmd.n ?? 0, batch: [] };
    if (filling.left === 0) {
      filling = undefined;
      reply({ ok: true });
    }
  } else if (cmd.op === 'depth') reply({ depth: broker.queueDepth(cmd.queue) ?? null });
  else if (cmd.op === 'delete') {
    broker.deleteQueue(cmd.queue);
    reply({ ok: true });
  }
}
await front.close();
plain?.close();
broker.close();
await rm(dir, { recursive: true, force: true });
