import type { OcsfSchema, ResolvedAttribute, ResolvedType } from './schema.js';

/**
 * Validate one OCSF event (a parsed JSON object) against the resolved schema.
 *
 * Errors: unknown class_uid; category_uid / type_uid inconsistent with the class
 * (type_uid = class_uid × 100 + activity_id); a `required` attribute missing (profile attributes
 * only when their profile is applied); an attribute unknown to its class/object (except the
 * free-form `unmapped` and `object`-typed attributes); an attribute of a profile the event does
 * not list in `metadata.profiles`; a wrong JSON type; a scalar failing its type's regex /
 * max_len / range; an integer outside its enum; a sibling caption that contradicts its id
 * (`severity: "High"` with `severity_id: 3`); an `at_least_one` / `just_one` constraint not met.
 * Warnings: a `recommended` attribute missing; a deprecated attribute used.
 */
export interface Issue {
  /** JSON path, e.g. `evidences[0].file.type_id`. */
  readonly path: string;
  readonly message: string;
}

export interface ValidationResult {
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
}

const INT32_MAX = 2_147_483_647;

/** Checked against the class itself (their dictionary enums only list the Base Event's values). */
const CLASS_IDS = new Set(['class_uid', 'category_uid', 'type_uid']);

export function validateOcsfEvent(schema: OcsfSchema, event: unknown): ValidationResult {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  if (!isObject(event)) return { errors: [{ path: '', message: 'event is not a JSON object' }], warnings };
  const classUid = event['class_uid'];
  const cls = typeof classUid === 'number' ? schema.classByUid(classUid) : undefined;
  if (cls === undefined)
    return { errors: [{ path: 'class_uid', message: `unknown class_uid ${String(classUid)}` }], warnings };
  if (event['category_uid'] !== cls.categoryUid) {
    errors.push({
      path: 'category_uid',
      message: `expected ${String(cls.categoryUid)} for class ${cls.name}`,
    });
  }
  if (
    typeof event['activity_id'] === 'number' &&
    event['type_uid'] !== cls.classUid! * 100 + event['activity_id']
  ) {
    errors.push({
      path: 'type_uid',
      message: `expected class_uid*100+activity_id = ${cls.classUid! * 100 + event['activity_id']}`,
    });
  }
  const metadata = isObject(event['metadata']) ? event['metadata'] : undefined;
  const profileList = Array.isArray(metadata?.['profiles']) ? (metadata['profiles'] as unknown[]) : [];
  const ctx: Ctx = {
    schema,
    errors,
    warnings,
    profiles: new Set(profileList.filter((p): p is string => typeof p === 'string')),
  };
  checkObject(ctx, cls, event, '');
  return { errors, warnings };
}

interface Ctx {
  readonly schema: OcsfSchema;
  readonly errors: Issue[];
  readonly warnings: Issue[];
  readonly profiles: ReadonlySet<string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkObject(ctx: Ctx, type: ResolvedType, value: Record<string, unknown>, path: string): void {
  for (const [name, attr] of type.attributes) {
    const applies = attr.profile === null || ctx.profiles.has(attr.profile);
    if (value[name] === undefined && applies) {
      if (attr.requirement === 'required')
        ctx.errors.push({ path: join(path, name), message: `required attribute missing (${type.name})` });
      else if (attr.requirement === 'recommended')
        ctx.warnings.push({ path: join(path, name), message: 'recommended attribute missing' });
    }
  }
  for (const key of Object.keys(value)) {
    const v = value[key];
    const p = join(path, key);
    const attr = type.attributes.get(key);
    if (attr === undefined) {
      if (!isDatetimeSibling(ctx, type, key))
        ctx.errors.push({ path: p, message: `attribute not defined for ${type.name}` });
      continue;
    }
    if (attr.profile !== null && !ctx.profiles.has(attr.profile)) {
      ctx.errors.push({
        path: p,
        message: `attribute of profile "${attr.profile}", which metadata.profiles does not list`,
      });
    }
    if (attr.deprecated) ctx.warnings.push({ path: p, message: 'deprecated attribute' });
    if (path === '' && CLASS_IDS.has(key)) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        ctx.errors.push({ path: p, message: 'expected an integer' });
      continue;
    }
    checkAttribute(ctx, attr, v, p);
    checkSibling(ctx, attr, value, path);
  }
  checkConstraints(ctx, type, value, path);
}

/** The Date/Time profile adds `<name>_dt` (datetime_t) next to every timestamp_t attribute. */
function isDatetimeSibling(ctx: Ctx, type: ResolvedType, key: string): boolean {
  if (!ctx.profiles.has('datetime') || !key.endsWith('_dt')) return false;
  const base = type.attributes.get(key.slice(0, -3));
  return base !== undefined && base.type === 'timestamp_t';
}

function checkAttribute(ctx: Ctx, attr: ResolvedAttribute, v: unknown, path: string): void {
  if (attr.isArray) {
    if (!Array.isArray(v)) {
      ctx.errors.push({ path, message: `expected an array of ${attr.type}` });
      return;
    }
    v.forEach((el: unknown, i) => checkValue(ctx, attr, el, `${path}[${i}]`));
    return;
  }
  checkValue(ctx, attr, v, path);
}

function checkValue(ctx: Ctx, attr: ResolvedAttribute, v: unknown, path: string): void {
  if (attr.type === 'object') {
    if (!isObject(v)) ctx.errors.push({ path, message: 'expected a JSON object' });
    return;
  }
  if (!ctx.schema.isScalar(attr.type)) {
    if (!isObject(v)) {
      ctx.errors.push({ path, message: `expected object ${attr.type}` });
      return;
    }
    checkObject(ctx, ctx.schema.object(attr.type), v, path);
    return;
  }
  const problem = scalarProblem(ctx, attr.type, v);
  if (problem !== undefined) {
    ctx.errors.push({ path, message: problem });
    return;
  }
  if (attr.enumValues !== undefined && typeof v === 'number' && !attr.enumValues.has(v)) {
    ctx.errors.push({ path, message: `${v} is not in the enum (${[...attr.enumValues.keys()].join(', ')})` });
  }
}

function scalarProblem(ctx: Ctx, typeName: string, v: unknown): string | undefined {
  const t = ctx.schema.scalar(typeName);
  switch (t.base) {
    case 'json_t':
      return undefined;
    case 'boolean_t':
      return typeof v === 'boolean' ? undefined : `expected ${typeName} (boolean)`;
    case 'integer_t':
    case 'long_t': {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `expected ${typeName} (integer)`;
      if (t.base === 'integer_t' && Math.abs(v) > INT32_MAX) return `${v} does not fit ${typeName} (32-bit)`;
      break;
    }
    case 'float_t':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `expected ${typeName} (number)`;
      break;
    default:
      if (typeof v !== 'string') return `expected ${typeName} (string)`;
      if (t.maxLen !== undefined && v.length > t.maxLen)
        return `longer than max_len ${t.maxLen} of ${typeName}`;
      if (t.regex !== undefined && !t.regex.test(v))
        return `"${v.slice(0, 80)}" does not match the ${typeName} pattern`;
  }
  if (typeof v === 'number' && t.range !== undefined && (v < t.range[0] || v > t.range[1])) {
    return `${v} is outside ${typeName} range ${t.range[0]}-${t.range[1]}`;
  }
  return undefined;
}

/** `x_id` with an enum and a present `x` caption: the caption must match (unless 99 Other). */
function checkSibling(ctx: Ctx, attr: ResolvedAttribute, value: Record<string, unknown>, path: string): void {
  const sib = attr.sibling;
  if (sib === undefined || attr.enumValues === undefined || attr.isArray) return;
  const id = value[attr.name];
  const caption = value[sib];
  if (typeof id !== 'number' || typeof caption !== 'string' || id === 99) return;
  const expected = attr.enumValues.get(id);
  if (expected !== undefined && expected !== caption) {
    ctx.errors.push({
      path: join(path, sib),
      message: `caption "${caption}" does not match ${attr.name} ${id} ("${expected}")`,
    });
  }
}

function checkConstraints(ctx: Ctx, type: ResolvedType, value: Record<string, unknown>, path: string): void {
  const { at_least_one: atLeastOne, just_one: justOne } = type.constraints;
  if (atLeastOne !== undefined && !atLeastOne.some((k) => value[k] !== undefined)) {
    ctx.errors.push({
      path: path === '' ? '(event)' : path,
      message: `${type.name} needs at least one of: ${atLeastOne.join(', ')}`,
    });
  }
  if (justOne !== undefined && justOne.filter((k) => value[k] !== undefined).length !== 1) {
    ctx.errors.push({
      path: path === '' ? '(event)' : path,
      message: `${type.name} needs exactly one of: ${justOne.join(', ')}`,
    });
  }
}
