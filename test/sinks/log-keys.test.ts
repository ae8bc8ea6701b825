import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { registeredSinks } from '../../src/sinks/registry.js';
import { fileSinkFactory } from '../../src/sinks/file/index.js';
import { getFormat } from '../../src/formats/index.js';
import { makeRecords } from './http/support/records.js';

const dir = mkdtempSync(join(tmpdir(), 'ampstream-logkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The keys of the top-level object of one JSON line, in order (duplicates kept). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(line.slice(i + 1, j));
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

describe('small things', () => {
  it('JSON log lines of a sink carry each key once (no "sink":"f","sink":"f")', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) }).child({
      component: 'sink',
      sink: 'f',
    });
    writeFileSync(join(dir, 'blocked'), 'a file where a directory should be');
    const sink = fileSinkFactory.create(
      fileSinkFactory.options.parse({ type: 'file', path: join(dir, 'blocked', 'x.jsonl'), maxBytes: 1 }),
      { name: 'f', format: getFormat('raw'), logger, resolveSecret: async () => '' },
    );
    await sink.start(); // cannot open yet: logs a warning
    rmSync(join(dir, 'blocked'));
    await sink.write(makeRecords(2));
    await sink.write(makeRecords(2)); // maxBytes 1: rotates, logs
    await sink.close();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      const keys = topLevelKeys(l);
      expect(new Set(keys).size, l).toBe(keys.length);
    }
  });

  it('`metrics: false` is refused with the way to say it', () => {
    const text =
      "streams:\n  - amqp: { url: 'amqp://guest@127.0.0.1:5672', queue: q, password: env:PW }\nsinks:\n  - { name: a, type: stdout }\nmetrics: false\n";
    expect(() => parseConfig(text, { path: 'x.yaml', factories: registeredSinks, env: {} })).toThrow(
      /metrics: \{ listen: false \}/,
    );
  });
});
