import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { OcsfSchema, type SchemaSource } from '../../../src/formats/ocsf/schema.js';

/** The reference schemas vendored under test/formats/reference (see its README). */
export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference');
export const OCSF_DIR = join(REFERENCE_DIR, 'ocsf');

function listJson(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listJson(join(dir, d.name)) : d.name.endsWith('.json') ? [join(dir, d.name)] : [],
  );
}

export function ocsfSchemaSource(root = OCSF_DIR): SchemaSource {
  const cache = new Map<string, unknown>();
  return {
    read(path) {
      let v = cache.get(path);
      if (v === undefined) {
        v = JSON.parse(readFileSync(join(root, path), 'utf8'));
        cache.set(path, v);
      }
      return v;
    },
    eventFiles: () => listJson(join(root, 'events')).map((p) => relative(root, p)),
  };
}

let schema: OcsfSchema | undefined;
export function loadOcsfSchema(): OcsfSchema {
  schema ??= new OcsfSchema(ocsfSchemaSource());
  return schema;
}

export interface EcsField {
  readonly type: string;
  readonly normalize?: readonly string[];
  readonly allowed_values?: readonly { name: string; expected_event_types?: string[] }[];
}

let ecs: Record<string, EcsField> | undefined;
export function loadEcsFields(): Record<string, EcsField> {
  ecs ??= parseYaml(readFileSync(join(REFERENCE_DIR, 'ecs', 'ecs_flat.yml'), 'utf8'), {
    maxAliasCount: -1,
  }) as Record<string, EcsField>;
  return ecs;
}

/** A parsed JSON record in assertions (tests poke into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;
