import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AmpError } from '../../src/errors.js';
import { decodeEvent } from '../../src/event/decode.js';
import { AmqpSource } from '../../src/source/amqp-source.js';
import type { Delivery, SourceEvent, SourceOptions } from '../../src/source/types.js';
import {
  amqpsUrl,
  apiRequest,
  createStreamViaRest,
  withEmulator,
  type CreatedStream,
  type TestEmulator,
} from '../helpers/emulator.js';
import { startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';
import { FAST_BACKOFF, waitFor } from '../pipeline/broker.js';

/**
 * The AMQPS source through a real HTTP proxy (tinyproxy): CONNECT tunnel to the emulator's
 * TLS front, TLS verified end to end against the emulator CA, SNI = the broker host.
 */

const EVENT_TYPE = 1090519054;
const PROXY_PASSWORD = 'amqp-Pr0xy-pw';

let emu: TestEmulator;
let proxy: RunningTinyproxy;
let authProxy: RunningTinyproxy;
beforeAll(async () => {
  [emu, proxy, authProxy] = await Promise.all([
    withEmulator({ seed: 23 }),
    startTinyproxy(),
    startTinyproxy({ auth: { user: 'amqp', password: PROXY_PASSWORD } }),
  ]);
});
afterAll(async () => {
  await Promise.all([emu?.close(), proxy?.close(), authProxy?.close()]);
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A fresh stream, deleted after the test (an organisation has at most 5). */
async function stream(): Promise<CreatedStream> {
  const s = await createStreamViaRest(emu, {
    name: `px-${randomUUID().slice(0, 8)}`,
    event_type: [EVENT_TYPE],
  });
  cleanups.unshift(() => apiRequest(emu, 'DELETE', `/v1/event_streams/${s.id}`));
  return s;
}

/** A consuming source that acks every delivery (after `ackDelayMs`) and records event ids. */
function consumer(
  s: CreatedStream,
  options: Partial<SourceOptions> & { ackDelayMs?: number } = {},
): {
  src: AmqpSource;
  ids: Set<string>;
  events: SourceEvent[];
  deliveries: Delivery[];
  start: () => Promise<void>;
} {
  const { ackDelayMs = 0, ...rest } = options;
  const src = new AmqpSource({
    url: amqpsUrl(s.amqp_credentials),
    queue: s.amqp_credentials.queue_name,
    ca: emu.caPem,
    env: {},
    reconnect: FAST_BACKOFF,
    probeIntervalMs: 0,
    watchdogMs: 0,
    prefetch: 20,
    connectTimeoutMs: 5_000,
    ...rest,
  });
  cleanups.push(() => src.close());
  const ids = new Set<string>();
  const events: SourceEvent[] = [];
  const deliveries: Delivery[] = [];
  src.subscribe((e) => events.push(e));
  const onDelivery = (d: Delivery): void => {
    deliveries.push(d);
    const decoded = decodeEvent(Buffer.from(d.body));
    if (decoded.ok) ids.add(decoded.value.event.id!);
    // ack only once "written": a delivery lost with the tunnel comes back and is counted again
    if (ackDelayMs === 0) src.ack(d.generation, d.tag);
    else setTimeout(() => src.ack(d.generation, d.tag), ackDelayMs);
  };
  return { src, ids, events, deliveries, start: () => src.start({ onDelivery }) };
}

/** CONNECTs to the emulator's AMQPS front in the proxy's log (every stream shares it). */
async function connectsTo(p: RunningTinyproxy, s: CreatedStream): Promise<number> {
  const log = await p.log();
  const needle = `CONNECT ${s.amqp_credentials.host}:${s.amqp_credentials.port}`;
  return log.split('\n').filter((l) => l.includes(needle)).length;
}

describe('AMQPS source through an HTTP proxy', () => {
  it('consumes every event of an emulator stream through the proxy, TLS verified against the emulator CA', async () => {
    const s = await stream();
    const c = consumer(s, { proxy: proxy.url });
    await c.start();
    const published = await emu.publish(120, { eventTypeIds: [EVENT_TYPE] });
    await waitFor(() => c.ids.size === 120, 'all 120 events');
    expect([...c.ids].sort()).toEqual(published.map((e) => e.id).sort());
    expect(await connectsTo(proxy, s)).toBeGreaterThanOrEqual(1);
    expect(c.events.filter((e) => e.type === 'fatal')).toEqual([]);
  });

  it('keeps TLS verification on through the tunnel: without the emulator CA the broker is refused (AMQP_TLS, fatal)', async () => {
    const s = await stream();
    const src = new AmqpSource({
      url: amqpsUrl(s.amqp_credentials),
      queue: s.amqp_credentials.queue_name,
      proxy: proxy.url,
      env: {},
      reconnect: FAST_BACKOFF,
      probeIntervalMs: 0,
      watchdogMs: 0,
    });
    cleanups.push(() => src.close());
    await expect(src.start({ onDelivery: () => undefined })).rejects.toMatchObject({
      code: 'AMQP_TLS',
      retryable: false,
    });
    expect(await connectsTo(proxy, s)).toBeGreaterThanOrEqual(1);
  });

  it('honours HTTPS_PROXY for the broker, and NO_PROXY bypasses it', async () => {
    const s = await stream();
    const before = await connectsTo(proxy, s);
    const viaEnv = consumer(s, { env: { HTTPS_PROXY: proxy.url } });
    await viaEnv.start();
    await emu.publish(5, { eventTypeIds: [EVENT_TYPE] });
    await waitFor(() => viaEnv.ids.size === 5, '5 events via HTTPS_PROXY');
    await viaEnv.src.close();
    const afterEnv = await connectsTo(proxy, s);
    expect(afterEnv).toBe(before + 1);

    const bypass = consumer(s, {
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: `example.com, ${s.amqp_credentials.host}` },
    });
    await bypass.start();
    await emu.publish(5, { eventTypeIds: [EVENT_TYPE] });
    await waitFor(() => bypass.ids.size === 5, '5 events directly');
    expect(await connectsTo(proxy, s)).toBe(afterEnv);
  });

  it('retries with backoff while the proxy is down (PROXY_UNREACHABLE naming the proxy), then consumes once it is back', async () => {
    const p = await startTinyproxy();
    cleanups.push(() => p.close());
    await p.stop();
    const s = await stream();
    const c = consumer(s, { proxy: p.url });
    const started = c.start();
    await waitFor(
      () => c.events.filter((e) => e.type === 'reconnect-scheduled').length >= 2,
      'two reconnects scheduled',
    );
    const scheduled = c.events.find((e) => e.type === 'reconnect-scheduled');
    expect(scheduled?.type === 'reconnect-scheduled' && scheduled.error.code).toBe('PROXY_UNREACHABLE');
    if (scheduled?.type === 'reconnect-scheduled') {
      expect(scheduled.error.retryable).toBe(true);
      expect(scheduled.error.message).toContain(`127.0.0.1:${p.port}`);
      expect(scheduled.error.hint).toContain(`127.0.0.1:${p.port}`);
    }
    await p.start();
    await started;
    await emu.publish(10, { eventTypeIds: [EVENT_TYPE] });
    await waitFor(() => c.ids.size === 10, '10 events once the proxy is back');
  });

  it('stops with a fatal PROXY_AUTH error and a hint when the proxy refuses the credentials, never showing the password', async () => {
    const s = await stream();
    const wrong = `http://amqp:${PROXY_PASSWORD}-nope@127.0.0.1:${authProxy.port}`;
    const c = consumer(s, { proxy: wrong });
    const e = (await c.start().then(
      () => undefined,
      (err: unknown) => err,
    )) as AmpError;
    expect(e.code).toBe('PROXY_AUTH');
    expect(e.retryable).toBe(false);
    expect(e.hint).toMatch(/proxy user or password/);
    expect(JSON.stringify({ m: e.message, h: e.hint, j: e.toJSON() })).not.toContain(PROXY_PASSWORD);
    expect(c.events.filter((ev) => ev.type === 'reconnect-scheduled')).toEqual([]);
  });

  it('goes through a proxy that requires Basic auth when the proxy URL has the credentials', async () => {
    const s = await stream();
    const before = await connectsTo(authProxy, s);
    const c = consumer(s, { proxy: authProxy.urlWithAuth });
    await c.start();
    await emu.publish(5, { eventTypeIds: [EVENT_TYPE] });
    await waitFor(() => c.ids.size === 5, '5 events through the authenticating proxy');
    expect(await connectsTo(authProxy, s)).toBe(before + 1);
  });

  it('reconnects through the proxy when the tunnel is killed mid-consume (proxy restarted), and loses no event', async () => {
    const p = await startTinyproxy();
    cleanups.push(() => p.close());
    const s = await stream();
    const published = await emu.publish(400, { eventTypeIds: [EVENT_TYPE] });
    const c = consumer(s, { proxy: p.url, ackDelayMs: 5, prefetch: 10 });
    await c.start();
    await waitFor(() => c.deliveries.length >= 60, '60 deliveries before the cut');
    expect(c.ids.size).toBeLessThan(400);
    await p.restart();
    await waitFor(() => c.ids.size === 400, 'all 400 events after the cut', 30_000);
    expect([...c.ids].sort()).toEqual(published.map((e) => e.id).sort());
    expect(c.events.some((e) => e.type === 'disconnected')).toBe(true);
    expect(c.src.status.reconnects).toBeGreaterThanOrEqual(1);
    expect(c.events.filter((e) => e.type === 'fatal')).toEqual([]);
    // the new connection went through the restarted proxy too
    expect(await connectsTo(p, s)).toBeGreaterThanOrEqual(2);
  });
});
