/**
 * OCSF schema resolution from the schema's own definition files (ocsf-schema layout:
 * `dictionary.json`, `categories.json`, `events/**.json`, `objects/*.json`, `profiles/*.json`).
 * Pure: file access is injected (`SchemaSource`), so this module does no I/O itself.
 *
 * Rules implemented (ocsf-schema README / the reference README):
 * 1. `extends`: resolve from the root down; attribute maps merge key by key, a child's fields
 *    override its parent's, enums merge (dictionary enum ∪ ancestors' ∪ own).
 * 2. `$include` of profile files: their attributes join the class/object tagged with the profile
 *    name (applicable only when the event lists the profile in `metadata.profiles`); the
 *    including file's own definition of the same attribute wins, and `"profile": null` there
 *    makes it unconditional.
 * 3. Types from `dictionary.json` (an attribute may override `type`): `*_t` scalars resolve through
 *    `types.attributes` (base type, `regex`, `max_len`, `range`); other names are objects;
 *    `is_array` lists.
 * 4. `constraints` (`at_least_one`, `just_one`): a child's constraints replace its parent's.
 * 5. class_uid = category uid × 1000 + class uid (Base Event: 0).
 * 6. `observable.type_id`: the schema file lists only 0 Unknown / 99 Other; the schema server adds
 *    the `observable` number of every scalar type (Hostname 1, IP Address 2, …, Hash 8, …). Done
 *    here for the types in `dictionary.json` (object- and attribute-level observable ids are not
 *    added).
 */
export interface SchemaSource {
  /** Parse one schema file by its path relative to the schema root, e.g. `objects/file.json`. */
  read(path: string): unknown;
  /** Relative paths of every event class file (`events/…/*.json`). */
  eventFiles(): readonly string[];
}

export type Requirement = 'required' | 'recommended' | 'optional';

export interface ResolvedAttribute {
  readonly name: string;
  readonly requirement: Requirement;
  /** Scalar type name (`string_t` …) or object name (`file` …), or `object` (free-form). */
  readonly type: string;
  readonly isArray: boolean;
  /** Allowed integer values, when the attribute is an enum. */
  readonly enumValues: ReadonlyMap<number, string> | undefined;
  readonly profile: string | null;
  readonly deprecated: boolean;
  /** The caption attribute paired with an enum id (`severity_id` → `severity`). */
  readonly sibling: string | undefined;
}

export interface ResolvedType {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, ResolvedAttribute>;
  readonly constraints: { readonly at_least_one?: readonly string[]; readonly just_one?: readonly string[] };
  /** Classes only. */
  readonly classUid?: number;
  readonly categoryUid?: number;
}

export interface ScalarType {
  readonly name: string;
  /** The primitive the type reduces to: string_t, integer_t, long_t, float_t, boolean_t, json_t. */
  readonly base: string;
  readonly regex: RegExp | undefined;
  readonly maxLen: number | undefined;
  readonly range: readonly [number, number] | undefined;
}

type Json = Record<string, unknown>;
type RawAttr = Json & { enum?: Record<string, { caption?: string }>; profile?: string | null };

const PRIMITIVES = new Set(['string_t', 'integer_t', 'long_t', 'float_t', 'boolean_t', 'json_t']);

export class OcsfSchema {
  readonly version: string;
  readonly #src: SchemaSource;
  readonly #dict: Record<string, RawAttr>;
  readonly #types: Record<string, Json>;
  readonly #categories: Record<string, { uid: number }>;
  readonly #classFiles = new Map<string, string>();
  readonly #objects = new Map<string, ResolvedType>();
  readonly #classes = new Map<number, ResolvedType>();
  readonly #scalars = new Map<string, ScalarType>();

  constructor(src: SchemaSource) {
    this.#src = src;
    const dict = src.read('dictionary.json') as Json;
    this.#dict = dict['attributes'] as Record<string, RawAttr>;
    this.#types = (dict['types'] as Json)['attributes'] as Record<string, Json>;
    this.#categories = (src.read('categories.json') as Json)['attributes'] as Record<string, { uid: number }>;
    this.version = String((src.read('version.json') as Json)['version']);
    for (const path of src.eventFiles()) {
      const def = src.read(path) as Json;
      this.#classFiles.set(String(def['name']), path);
    }
  }

  /** The resolved class for a class_uid, or undefined when no class file has it. */
  classByUid(classUid: number): ResolvedType | undefined {
    if (this.#classes.size === 0) {
      for (const name of this.#classFiles.keys()) {
        const c = this.#resolve(name, 'class');
        if (c.classUid !== undefined) this.#classes.set(c.classUid, c);
      }
    }
    return this.#classes.get(classUid);
  }

  object(name: string): ResolvedType {
    let o = this.#objects.get(name);
    if (o === undefined) {
      o = this.#resolve(name, 'object');
      this.#objects.set(name, o);
    }
    return o;
  }

  isScalar(type: string): boolean {
    return type.endsWith('_t');
  }

  scalar(type: string): ScalarType {
    let s = this.#scalars.get(type);
    if (s !== undefined) return s;
    const def = this.#types[type];
    if (def === undefined) throw new Error(`OCSF type ${type} is not in dictionary.json`);
    const parent = typeof def['type'] === 'string' ? def['type'] : undefined;
    const base = PRIMITIVES.has(type) ? type : parent === undefined ? 'string_t' : this.scalar(parent).base;
    const range = Array.isArray(def['range']) ? (def['range'] as [number, number]) : undefined;
    s = {
      name: type,
      base,
      regex: typeof def['regex'] === 'string' ? new RegExp(def['regex']) : undefined,
      maxLen: typeof def['max_len'] === 'number' ? def['max_len'] : undefined,
      range,
    };
    this.#scalars.set(type, s);
    return s;
  }

  #chain(name: string, kind: 'class' | 'object'): Json[] {
    const chain: Json[] = [];
    let next: string | undefined = name;
    while (next !== undefined) {
      const path: string | undefined = kind === 'class' ? this.#classFiles.get(next) : `objects/${next}.json`;
      if (path === undefined) throw new Error(`OCSF ${kind} ${next} not found`);
      const def = this.#src.read(path) as Json;
      chain.unshift(def);
      next = typeof def['extends'] === 'string' ? def['extends'] : undefined;
    }
    return chain;
  }

  #resolve(name: string, kind: 'class' | 'object'): ResolvedType {
    const merged = new Map<string, RawAttr>();
    let constraints: ResolvedType['constraints'] = {};
    let category: string | undefined;
    let uid: number | undefined;
    for (const def of this.#chain(name, kind)) {
      const attrs = (def['attributes'] ?? {}) as Record<string, unknown>;
      const includes = Array.isArray(attrs['$include']) ? (attrs['$include'] as string[]) : [];
      for (const inc of includes) {
        const profile = this.#src.read(inc) as Json;
        const pname = String(profile['name']);
        for (const [k, v] of Object.entries((profile['attributes'] ?? {}) as Record<string, RawAttr>)) {
          mergeAttr(merged, k, { profile: pname, ...v });
        }
      }
      for (const [k, v] of Object.entries(attrs)) {
        if (k !== '$include') mergeAttr(merged, k, v as RawAttr);
      }
      if (def['constraints'] !== undefined) constraints = def['constraints'] as ResolvedType['constraints'];
      if (typeof def['category'] === 'string') category = def['category'];
      if (typeof def['uid'] === 'number') uid = def['uid'];
    }
    const attributes = new Map<string, ResolvedAttribute>();
    for (const [k, raw] of merged) attributes.set(k, this.#finish(k, raw));
    const typeId = attributes.get('type_id');
    if (kind === 'object' && name === 'observable' && typeId !== undefined) {
      attributes.set('type_id', {
        ...typeId,
        enumValues: new Map([...(typeId.enumValues ?? []), ...this.#observableTypes()]),
      });
    }
    if (kind === 'object') return { name, attributes, constraints };
    const categoryUid =
      category === undefined
        ? undefined
        : (this.#categories[category]?.uid ?? (category === 'other' ? 0 : undefined));
    const classUid =
      name === 'base_event'
        ? 0
        : uid !== undefined && categoryUid !== undefined
          ? categoryUid * 1000 + uid
          : undefined;
    return {
      name,
      attributes,
      constraints,
      ...(classUid === undefined ? {} : { classUid }),
      ...(categoryUid === undefined ? {} : { categoryUid }),
    };
  }

  #observableTypes(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [name, def] of Object.entries(this.#types)) {
      if (typeof def['observable'] === 'number')
        out.set(def['observable'], typeof def['caption'] === 'string' ? def['caption'] : name);
    }
    return out;
  }

  #finish(name: string, raw: RawAttr): ResolvedAttribute {
    const dict = this.#dict[name];
    if (dict === undefined) throw new Error(`OCSF attribute ${name} is not in dictionary.json`);
    const own = raw['type'];
    const type = typeof own === 'string' ? own : typeof dict['type'] === 'string' ? dict['type'] : 'string_t';
    const enums = mergeEnums(dict.enum, raw.enum);
    const req = raw['requirement'];
    return {
      name,
      requirement: req === 'required' || req === 'recommended' ? req : 'optional',
      type,
      isArray: dict['is_array'] === true || raw['is_array'] === true,
      enumValues: enums,
      profile: typeof raw.profile === 'string' ? raw.profile : null,
      deprecated: raw['@deprecated'] !== undefined || dict['@deprecated'] !== undefined,
      sibling:
        typeof raw['sibling'] === 'string'
          ? raw['sibling']
          : typeof dict['sibling'] === 'string'
            ? dict['sibling']
            : undefined,
    };
  }
}

function mergeAttr(into: Map<string, RawAttr>, key: string, v: RawAttr): void {
  const prev = into.get(key);
  if (prev === undefined) {
    into.set(key, v);
    return;
  }
  const e = mergeEnumRecords(prev.enum, v.enum);
  into.set(key, { ...prev, ...v, ...(e === undefined ? {} : { enum: e }) });
}

function mergeEnumRecords(
  a: Record<string, { caption?: string }> | undefined,
  b: Record<string, { caption?: string }> | undefined,
): Record<string, { caption?: string }> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { ...a, ...b };
}

function mergeEnums(
  dict: Record<string, { caption?: string }> | undefined,
  own: Record<string, { caption?: string }> | undefined,
): ReadonlyMap<number, string> | undefined {
  const all = mergeEnumRecords(dict, own);
  if (all === undefined) return undefined;
  return new Map(Object.entries(all).map(([k, v]) => [Number(k), v.caption ?? '']));
}
