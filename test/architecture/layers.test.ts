import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The floors of src/ and their order (docs/architecture.md, Layout): a file may import from its
 * own floor or from a floor below it, never from one above or beside it, and there is no
 * import cycle between files. Lowest first; floors on one line are siblings (independent).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'version', 'util'],
  ['build-info', 'telemetry', 'proxy', 'event'],
  ['formats', 'secrets'],
  ['sinks'],
  ['config'],
  ['api', 'source'],
  ['streams', 'pipeline', 'fleet'],
  ['daemon', 'emulator'],
  ['dashboard', 'doctor'],
  ['cli', 'index'],
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Edge {
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [relative(SRC, p)] : [];
  });
}

/** Every relative import (static, `import type`, re-export, dynamic `import()`) between files of src/. */
function importGraph(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(join(SRC, file), 'utf8');
    return [...text.matchAll(/(?:\bfrom\s+|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => ({
      from: file,
      to: relative(SRC, resolve(dirname(join(SRC, file)), m[1] ?? '')).replace(/\.js$/, '.ts'),
    }));
  });
}

export function floorOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? (parts[0] ?? '').replace(/\.ts$/, '') : (parts[0] ?? '');
}

/** Imports that go up or sideways between floors, as "from -> to" lines. */
export function layerViolations(edges: readonly Edge[], layers = LAYERS): string[] {
  const rank = new Map(layers.flatMap((floors, i) => floors.map((f) => [f, i] as const)));
  return edges.flatMap(({ from, to }) => {
    const a = floorOf(from);
    const b = floorOf(to);
    if (a === b) return [];
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined) return [`${from}: floor "${a}" is not in LAYERS`];
    if (rb === undefined) return [`${to}: floor "${b}" is not in LAYERS`];
    return rb < ra ? [] : [`${from} -> ${to} (${a} may not import ${b})`];
  });
}

/** One cycle per strongly connected group of files, as "a -> b -> a". */
export function cycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (node: string, path: string[]): void => {
    state.set(node, 'open');
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') found.push([...path.slice(path.indexOf(to)), node, to].join(' -> '));
      else if (state.get(to) === undefined) visit(to, [...path, node]);
    }
    state.set(node, 'done');
  };
  for (const node of next.keys()) if (state.get(node) === undefined) visit(node, []);
  return found;
}

describe('the layers of src/', () => {
  const edges = importGraph();

  it('reads a real graph: the CLI reaches the daemon, the daemon the pipeline', () => {
    expect(edges.some((e) => e.from.startsWith('cli/') && e.to.startsWith('daemon/'))).toBe(true);
    expect(edges.some((e) => e.from.startsWith('daemon/') && e.to.startsWith('pipeline/'))).toBe(true);
  });

  it('has no import from a floor to a floor above or beside it', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('lets a sink folder import, inside sinks/, only the shared kit and the sink contract', () => {
    const crossing = edges.filter(({ from, to }) => {
      const [fa, fb] = from.split('/');
      const [ta, tb] = to.split('/');
      if (fa !== 'sinks' || ta !== 'sinks' || fb === 'shared' || to === 'sinks/types.ts') return false;
      return from !== 'sinks/registry.ts' && tb !== fb && tb !== 'shared';
    });
    expect(crossing.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('would report an upward import and a cycle (the checks can fail)', () => {
    const bad = [
      { from: 'telemetry/health.ts', to: 'pipeline/types.ts' },
      { from: 'pipeline/a.ts', to: 'pipeline/b.ts' },
      { from: 'pipeline/b.ts', to: 'pipeline/a.ts' },
    ];
    expect(layerViolations(bad)).toEqual([
      'telemetry/health.ts -> pipeline/types.ts (telemetry may not import pipeline)',
    ]);
    expect(cycles(bad)).toEqual(['pipeline/a.ts -> pipeline/b.ts -> pipeline/a.ts']);
  });
});
