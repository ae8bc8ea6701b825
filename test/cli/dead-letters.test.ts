import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DeadLetterFile, type DeadLetter } from '../../src/pipeline/dead-letter.js';
import { eventBody } from '../pipeline/broker.js';

/** `ampstream dead-letters list|show|replay` and `convert` on a dead-letter file. */

const dir = mkdtempSync(join(tmpdir(), 'ampstream-dl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (c: string | Uint8Array) => ((stdout += String(c)), true);
  process.stderr.write = (c: string | Uint8Array) => ((stderr += String(c)), true);
  try {
    return { code: await main(['node', 'ampstream', ...args]), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

const good = eventBody(5);
const letter = (body: Buffer, extra: Partial<DeadLetter>): DeadLetter => ({
  time: '2026-12-04T06:00:00.000Z',
  kind: 'not-json',
  reason: 'x',
  delivery: { routingKey: 'q', exchange: '', redelivered: false },
  body: body.toString('base64'),
  ...extra,
});

async function deadLetters(): Promise<string> {
  const path = join(dir, `dl-${Math.random().toString(36).slice(2)}.jsonl`);
  const f = new DeadLetterFile(path);
  await f.append([
    letter(good.body, {
      kind: 'sink-rejected',
      reason: 'sink "archive" refused the event: HTTP 400',
      route: 'archive',
      eventId: good.id,
      error: { code: 'SINK_REJECTED', message: 'HTTP 400' },
    }),
    letter(Buffer.from('oops \u001b[2J not json'), { reason: 'body is not JSON' }),
  ]);
  await f.close();
  return path;
}

describe('dead letters', () => {
  it('list shows one line per letter (kind, sink, event key, reason)', async () => {
    const path = await deadLetters();
    const r = await cli(['dead-letters', 'list', '--file', path]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^1\\s+\\S+\\s+sink-rejected\\s+archive\\s+${good.id}`));
    expect(lines[2]).toMatch(/^2\s+\S+\s+not-json/);
  });

  it('show --body prints the original bytes exactly', async () => {
    const path = await deadLetters();
    const r = await cli(['dead-letters', 'show', '1', '--file', path, '--body']);
    expect(r.stdout).toBe(`${good.body.toString('utf8')}\n`);
    const shown = await cli(['dead-letters', 'show', '2', '--file', path]);
    expect(shown.stdout).toContain('oops \\x1b[2J not json');
  });

  it('convert accepts dead-letter lines: the original event is converted, the poison reported', async () => {
    const path = await deadLetters();
    const r = await cli(['convert', '-f', 'raw', path]);
    expect(r.stdout).toBe(`${good.body.toString('utf8')}\n`);
    expect(r.stderr).toContain('1 bad line(s) skipped, 1 converted');
    expect(r.code).toBe(65);
  });

  it('replay writes the original events into the configured sinks and lists what could not be replayed', async () => {
    const path = await deadLetters();
    const out = join(dir, 'archive.jsonl');
    const config = join(dir, 'ampstream.yaml');
    writeFileSync(
      config,
      [
        'streams:',
        "  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: env:PW }",
        'sinks:',
        `  - { name: archive, type: file, path: ${out} }`,
        `deadLetter: { path: ${path} }`,
      ].join('\n'),
    );
    const r = await cli(['dead-letters', 'replay', '--config', config]);
    expect(r.stdout).toContain('replayed 1 of 2 dead letter(s)');
    expect(r.stdout).toContain('archive: 1 written');
    expect(r.stdout).toMatch(/#2 not replayed: body is not JSON/);
    expect(r.code).toBe(65);
    expect(readFileSync(out, 'utf8')).toBe(`${good.body.toString('utf8')}\n`);
  });
});
