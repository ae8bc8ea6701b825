import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { convertStream } from '../../src/cli/commands/convert.js';
import { loadEventFixtures } from '../fixtures/events/load.js';
import { parseCef } from './helpers/cef-parse.js';

const fixtures = loadEventFixtures();
const jsonl = fixtures.map((f) => f.compact).join('\n') + '\n';
const dir = mkdtempSync(join(tmpdir(), 'ampstream-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fork the real CLI: `node --import tsx src/cli/main.ts convert …`. */
function cli(args: readonly string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'convert', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

async function convertText(
  input: string,
  format: 'raw' | 'ecs' | 'ocsf' | 'cef',
): Promise<{ out: string; err: string; bad: number; converted: number }> {
  const output = new PassThrough();
  const errors = new PassThrough();
  let out = '';
  let err = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  errors.setEncoding('utf8').on('data', (d: string) => (err += d));
  const r = await convertStream({ input: Readable.from([input]), output, errors, format, pretty: false });
  return { out, err, bad: r.bad, converted: r.converted };
}

describe('convertStream', () => {
  it('writes one record per event line and reports bad lines by number', async () => {
    const input = `${fixtures[0]!.compact}\r\n\n   \nnot json\n[1,2]\n${fixtures[1]!.compact}\n{"id":"x","event_type_id":1,"timestamp":1}`;
    const r = await convertText(input, 'ecs');
    expect(r.converted).toBe(2);
    expect(r.bad).toBe(3);
    expect(r.err).toBe(
      [
        'line 4: body is not JSON (Unexpected token \'o\', "not json" is not valid JSON); skipped',
        'line 5: body is JSON but not an object; skipped',
        'line 7: event field "id" is not an integer; skipped',
        '',
      ].join('\n'),
    );
    const lines = r.out.trimEnd().split('\n');
    expect(lines.map((l) => String(JSON.parse(l).event.id))).toEqual([fixtures[0]!.id, fixtures[1]!.id]);
  });

  it('converts every fixture to OCSF with exact ids', async () => {
    const r = await convertText(jsonl, 'ocsf');
    expect(r.bad).toBe(0);
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .map((l) => String(JSON.parse(l).metadata.uid)),
    ).toEqual(fixtures.map((f) => f.id));
  });
});

describe('ampstream convert (forked CLI)', () => {
  it('converts a JSON-lines file to ECS and CEF with exact ids', async () => {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, jsonl);
    const ecs = await cli(['--format', 'ecs', file]);
    expect(ecs.code).toBe(0);
    expect(
      ecs.stdout
        .trimEnd()
        .split('\n')
        .map((l) => String(JSON.parse(l).event.id)),
    ).toEqual(fixtures.map((f) => f.id));
    const cef = await cli(['-f', 'cef', file]);
    expect(
      cef.stdout
        .trimEnd()
        .split('\n')
        .map((l) => parseCef(l).ext.get('externalId')),
    ).toEqual(fixtures.map((f) => f.id));
    expect(cef.stderr).toBe('');
  });

  it('reads stdin, skips bad lines with their line numbers and exits 65', async () => {
    const r = await cli(
      ['--format', 'raw'],
      `${fixtures[0]!.compact}\n{"nope":true}\n${fixtures[2]!.compact}\n`,
    );
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('line 2: event has no "event_type_id"; skipped');
    expect(r.stderr).toContain('1 bad line(s) skipped, 2 converted');
    expect(r.stdout).toBe(`${fixtures[0]!.compact}\n${fixtures[2]!.compact}\n`);
  });

  it('pretty-prints JSON records without rounding ids', async () => {
    const r = await cli(['--format', 'raw', '--pretty'], `${fixtures[0]!.compact}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\n  "id": 6533241145273614339,\n');
    expect(JSON.parse(r.stdout)).toMatchObject({
      event_type_id: 1090519054,
      computer: { hostname: 'WS-FIN-042' },
    });
  });

  it('exits 64 on usage mistakes and unreadable files', async () => {
    const noFormat = await cli([]);
    expect(noFormat.code).toBe(64);
    expect(noFormat.stderr).toContain("required option '-f, --format <format>'");
    const missing = await cli(['--format', 'ecs', join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('cannot read');
  });

  it('stops quietly with exit 0 when the reader closes early (| head)', async () => {
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, jsonl.repeat(300)); // ~5,000 events, far more than a pipe buffer of output
    const result = await new Promise<Run>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'convert', '--format', 'ecs', file],
        {
          cwd: join(import.meta.dirname, '..', '..'),
        },
      );
      let stderr = '';
      let first = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.setEncoding('utf8').once('data', (d: string) => {
        first = d;
        child.stdout.destroy(); // like `head -1` exiting
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: first, stderr }));
    });
    expect(result.stdout.length).toBeGreaterThan(0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
