import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import type { Pipeline, PipelineOptions } from '../../src/pipeline/types.js';
import type { SourceEvent } from '../../src/source/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import {
  amqpsUrl,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { FAST_BACKOFF, idsOfJsonLines, tempDir, waitFor } from './broker.js';
import { fileSink, slowed } from './harness.js';
import { existsSync, readFileSync } from 'node:fs';

/** Through the emulator's AMQPS front (TLS with its own CA, per-stream broker users). */
let emu: TestEmulator;
let tmp: { dir: string; remove: () => void };
beforeAll(async () => {
  emu = await withEmulator();
  tmp = tempDir('ampstream-emu-core-');
});
afterAll(async () => {
  await emu.close();
  tmp.remove();
});

async function stream(): Promise<CreatedStream> {
  return createStreamViaRest(emu, { name: `core-${randomUUID().slice(0, 8)}`, event_type: [1090519054] });
}

function pipelineFor(
  s: CreatedStream,
  { noCa = false, ...extra }: Partial<PipelineOptions['source']> & { noCa?: boolean } = {},
  slowMs = 0,
): { p: Pipeline; path: string; ids: () => string[] } {
  const path = join(tmp.dir, `${s.amqp_credentials.queue_name}-${randomUUID().slice(0, 4)}.jsonl`);
  const sink = fileSink('file', path);
  const p = createPipeline({
    source: {
      url: amqpsUrl(s.amqp_credentials),
      queue: s.amqp_credentials.queue_name,
      ...(noCa ? {} : { ca: emu.caPem }),
      reconnect: FAST_BACKOFF,
      probeIntervalMs: 0,
      watchdogMs: 0,
      prefetch: 100,
      ...extra,
    },
    routes: [{ name: 'file', sink: slowMs > 0 ? slowed(sink, slowMs) : sink, format: getFormat('raw') }],
    batch: { maxEvents: 25, maxWaitMs: 20 },
    deadLetterPath: join(tmp.dir, `dl-${randomUUID().slice(0, 8)}.jsonl`),
    retry: FAST_BACKOFF,
    logger: silentLogger,
  });
  return { p, path, ids: () => (existsSync(path) ? idsOfJsonLines(readFileSync(path, 'utf8')) : []) };
}

describe('pipeline through the emulator (AMQPS)', () => {
  it('consumes over TLS trusting the emulator CA, with every id exact', async () => {
    const s = await stream();
    const { p, ids } = pipelineFor(s);
    await p.start();
    const published = await emu.publish(60, { eventTypeIds: [1090519054] });
    await waitFor(() => p.stats().acked === 60, 'all acked');
    expect(ids()).toEqual(published.map((e) => e.id));
    await p.drain();
  });

  it('refuses a broker certificate it does not trust: fatal AMQP_TLS, no reconnect loop', async () => {
    const s = await stream();
    const { p } = pipelineFor(s, { noCa: true });
    const seen: SourceEvent['type'][] = [];
    p.subscribe((e) => seen.push(e.type));
    await expect(p.start()).rejects.toMatchObject({ code: 'AMQP_TLS', retryable: false, exitCode: 78 });
    expect(seen).not.toContain('reconnect-scheduled');
  });

  it('connects without the CA only with the explicit insecure flag', async () => {
    const s = await stream();
    const { p } = pipelineFor(s, { noCa: true, insecure: true });
    await p.start();
    expect(p.stats().connected).toBe(true);
    await p.drain();
  });

  it('loses nothing when the AMQPS front drops every connection mid-stream', async () => {
    const s = await stream();
    const { p, ids } = pipelineFor(s, {}, 15);
    await p.start();
    const published = await emu.publish(300, { eventTypeIds: [1090519054] });
    await waitFor(() => p.stats().acked >= 50, 'some acked');
    emu.dropConnections();
    const want = published.map((e) => e.id!);
    await waitFor(() => {
      const got = new Set(ids());
      return want.every((id) => got.has(id)) && p.stats().inFlight === 0;
    }, 'every id written');
    expect(p.stats().reconnects).toBeGreaterThanOrEqual(1);
    await p.drain();
  });

  it('stops with a fatal error, not a loop, when the stream is deleted through the API', async () => {
    const s = await stream();
    const { p } = pipelineFor(s);
    const seen: SourceEvent['type'][] = [];
    p.subscribe((e) => seen.push(e.type));
    await p.start();
    const res = await apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`);
    expect(res.status).toBe(200);
    const outcome = await p.done;
    expect(outcome.kind).toBe('fatal');
    expect(
      outcome.kind === 'fatal' &&
        ['AMQP_QUEUE_NOT_FOUND', 'AMQP_ACCESS_REFUSED'].includes(outcome.error.code),
    ).toBe(true);
    expect(seen.filter((t) => t === 'reconnect-scheduled').length).toBeLessThanOrEqual(2);
  });
});
