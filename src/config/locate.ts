import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/**
 * Map a config path (`['sinks', 1, 'format']`) back to where it is written in the YAML file,
 * as 1-based line:column. When the path does not exist (a required key is missing), the
 * deepest existing ancestor is returned, so the error still points into the right block.
 * `atKey` points at the key itself (`format:`) rather than its value: used for unknown keys.
 */
export interface Position {
  readonly line: number;
  readonly col: number;
}

export type ConfigPath = readonly PropertyKey[];

export function locate(
  doc: Document,
  lines: LineCounter,
  path: ConfigPath,
  atKey = false,
): Position | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNodeLike(node) ? node : undefined;
  let keyNode: Node | undefined;
  for (const segment of path) {
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (pair === undefined) break;
      keyNode = isNodeLike(pair.key) ? pair.key : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      break;
    }
    if (!isNodeLike(node)) {
      // `key:` with no value: point at the key
      best = keyNode ?? best;
      break;
    }
    best = node;
  }
  const target = atKey && keyNode !== undefined ? keyNode : best;
  const offset = target?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

function isNodeLike(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && 'range' in v;
}

/** `['sinks', 1, 'format']` → `sinks[1].format`; the empty path is `(root)`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const s = String(segment);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}
