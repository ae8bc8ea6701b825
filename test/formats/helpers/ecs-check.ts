import { isIP } from 'node:net';
import { loadEcsFields, type EcsField } from './reference.js';

/** Flatten an ECS document to dotted field → leaf values (arrays of scalars stay one field). */
export function flatten(
  doc: Record<string, unknown>,
  prefix = '',
  out = new Map<string, unknown[]>(),
): Map<string, unknown[]> {
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (path === 'cisco') continue; // the vendor namespace is not ECS
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      flatten(v as Record<string, unknown>, path, out);
    else out.set(path, Array.isArray(v) ? v : [v]);
  }
  return out;
}

export function typeProblem(field: EcsField, value: unknown): string | undefined {
  switch (field.type) {
    case 'keyword':
    case 'constant_keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'text':
      return typeof value === 'string' ? undefined : 'not a string';
    case 'long':
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'not an integer';
    case 'float':
    case 'double':
    case 'scaled_float':
      return typeof value === 'number' ? undefined : 'not a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0 ? undefined : 'not an IP address';
    case 'date':
      return typeof value === 'string' &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(value)
        ? undefined
        : 'not an ISO date';
    default:
      return `unexpected ECS type ${field.type}`;
  }
}

/** Every problem with an ECS document: fields not in ecs_flat.yml, values of the wrong type. */
export function ecsProblems(doc: Record<string, unknown>): string[] {
  const ecs = loadEcsFields();
  const problems: string[] = [];
  for (const [path, values] of flatten(doc)) {
    const field = ecs[path];
    if (field === undefined) {
      problems.push(`${path}: not an ECS field`);
      continue;
    }
    for (const v of values) {
      const p = typeProblem(field, v);
      if (p !== undefined) problems.push(`${path}: ${p} (${JSON.stringify(v)?.slice(0, 80)})`);
    }
  }
  return problems;
}
