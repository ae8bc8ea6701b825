import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchHecReceiver, BenchHttpReceiver } from '../../bench/sink-receivers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ampstream-bench-recv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}

describe('bench sink receivers', () => {
  it('the HEC receiver stores concatenated events one per line, counts ack ids up and reports every ack true', async () => {
    const r = new BenchHecReceiver();
    await r.start();
    try {
      const out = join(dir, 'hec.jsonl');
      await r.reset(out);
      const a = await post(
        `${r.url}/services/collector/event`,
        '{"time":1,"event":{"id":1}}{"time":2,"event":{"id":2}}',
      );
      const b = await post(`${r.url}/services/collector/event`, '{"time":3,"event":{"id":3,"x":{"time":4}}}');
      expect(a).toEqual({ status: 200, json: { text: 'Success', code: 0, ackId: 0 } });
      expect(b.json).toMatchObject({ ackId: 1 });
      const acks = await post(`${r.url}/services/collector/ack`, '{"acks":[0,1]}');
      expect(acks.json).toEqual({ acks: { 0: true, 1: true } });
      expect((await post(`${r.url}/nope`, '{}')).status).toBe(404);
      await r.closeOutput();
      expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toEqual([
        '{"time":1,"event":{"id":1}}',
        '{"time":2,"event":{"id":2}}',
        '{"time":3,"event":{"id":3,"x":{"time":4}}}',
      ]);
    } finally {
      await r.close();
    }
  });

  it('the HTTP receiver appends each ndjson body, ending every body with a newline, and starts a new file on reset', async () => {
    const r = new BenchHttpReceiver();
    await r.start();
    try {
      const first = join(dir, 'http-1.ndjson');
      await r.reset(first);
      await post(`${r.url}/ingest`, '{"id":1}\n{"id":2}\n');
      await post(`${r.url}/ingest`, '{"id":3}');
      const second = join(dir, 'http-2.ndjson');
      await r.reset(second);
      await post(`${r.url}/ingest`, '{"id":4}\n');
      await r.closeOutput();
      expect(readFileSync(first, 'utf8')).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
      expect(readFileSync(second, 'utf8')).toBe('{"id":4}\n');
      expect(r.requests).toBe(1);
    } finally {
      await r.close();
    }
  });
});
