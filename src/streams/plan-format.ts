import type { AmpError } from '../errors.js';
import type { ApplyOrgResult } from './apply.js';
import type { Filters, OrgPlan, StreamChange } from './plan.js';
import { pendingChanges } from './plan.js';

/**
 * Pure text and JSON views of plans and apply results (`ampstream plan`, `ampstream apply`),
 * one block per organisation:
 *
 *   organisation acme
 *     + create     alerts                event types: Threat Detected; groups: all
 *     ~ update     audit (id 1234)       event types: all → Threat Detected
 *     = unchanged  inventory (id 1235)
 *     - delete     old (id 1236)
 *     ! would delete  old (id 1236): not declared, pass --allow-delete
 *     · pinned     legacy (id 1237): consumed by id in the config, left alone
 */

export interface OrgFailure {
  readonly org: string;
  readonly error: AmpError;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'all' : names.join(', ');
}

export function describeFilters(f: Filters): string {
  return `event types: ${list(f.eventTypes.map((t) => t.name))}; groups: ${list(f.groups.map((g) => g.name))}`;
}

function updateText(from: Filters, to: Filters): string {
  const parts: string[] = [];
  const types = (f: Filters): string => list(f.eventTypes.map((t) => t.name));
  const groups = (f: Filters): string => list(f.groups.map((g) => g.name));
  if (types(from) !== types(to)) parts.push(`event types: ${types(from)} → ${types(to)}`);
  if (groups(from) !== groups(to)) parts.push(`groups: ${groups(from)} → ${groups(to)}`);
  return parts.join('; ');
}

export function changeLine(c: StreamChange): string {
  switch (c.kind) {
    case 'create':
      return `  + create     ${c.name.padEnd(24)} ${describeFilters(c.to)}`;
    case 'update':
      return `  ~ update     ${`${c.stream.name} (id ${c.stream.id})`.padEnd(24)} ${updateText(c.from, c.to)}`;
    case 'unchanged':
      return `  = unchanged  ${c.stream.name} (id ${c.stream.id})`;
    case 'delete':
      return c.allowed
        ? `  - delete     ${c.stream.name} (id ${c.stream.id})`
        : `  ! would delete  ${c.stream.name} (id ${c.stream.id}): not declared, pass --allow-delete`;
    case 'pinned':
      return `  · pinned     ${c.stream.name} (id ${c.stream.id}): consumed by id in the config, left alone`;
  }
}

export interface PlanCounts {
  create: number;
  update: number;
  delete: number;
  unchanged: number;
  notDeleted: number;
}

export function countChanges(plans: readonly OrgPlan[]): PlanCounts {
  const n: PlanCounts = { create: 0, update: 0, delete: 0, unchanged: 0, notDeleted: 0 };
  for (const p of plans)
    for (const c of p.changes) {
      if (c.kind === 'create') n.create++;
      else if (c.kind === 'update') n.update++;
      else if (c.kind === 'delete' && c.allowed) n.delete++;
      else if (c.kind === 'delete') n.notDeleted++;
      else if (c.kind === 'unchanged') n.unchanged++;
    }
  return n;
}

export function planText(plans: readonly OrgPlan[], failures: readonly OrgFailure[]): string {
  const lines: string[] = [];
  for (const p of plans) {
    lines.push(`organisation ${p.org}`);
    if (p.changes.length === 0) lines.push('  (no streams declared or present)');
    for (const c of p.changes) lines.push(changeLine(c));
  }
  for (const f of failures)
    lines.push(`organisation ${f.org}: cannot plan: ${f.error.message} [${f.error.code}]`);
  const n = countChanges(plans);
  lines.push(
    `Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete, ${n.unchanged} unchanged` +
      (n.notDeleted > 0 ? `, ${n.notDeleted} not declared (kept without --allow-delete)` : '') +
      (failures.length > 0 ? `; ${failures.length} organisation(s) could not be planned` : '') +
      '.',
  );
  return lines.join('\n');
}

function changeJson(c: StreamChange): Record<string, unknown> {
  const filters = (f: Filters) => ({
    eventTypes: f.eventTypes.map((t) => ({ id: t.id, name: t.name })),
    groups: f.groups.map((g) => ({ guid: g.guid, name: g.name })),
  });
  switch (c.kind) {
    case 'create':
      return { action: 'create', name: c.name, ...filters(c.to) };
    case 'update':
      return {
        action: 'update',
        id: c.stream.id,
        name: c.stream.name,
        from: filters(c.from),
        to: filters(c.to),
      };
    case 'delete':
      return { action: c.allowed ? 'delete' : 'would-delete', id: c.stream.id, name: c.stream.name };
    case 'unchanged':
    case 'pinned':
      return { action: c.kind, id: c.stream.id, name: c.stream.name };
  }
}

export function planJson(plans: readonly OrgPlan[], failures: readonly OrgFailure[]): unknown {
  return {
    organisations: [
      ...plans.map((p) => ({ org: p.org, changes: p.changes.map(changeJson) })),
      ...failures.map((f) => ({ org: f.org, error: { code: f.error.code, message: f.error.message } })),
    ],
    summary: countChanges(plans),
    drift: plans.some((p) => pendingChanges(p).length > 0),
  };
}

export function applyText(results: readonly ApplyOrgResult[], failures: readonly OrgFailure[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`organisation ${r.org}${r.error === undefined ? '' : ': FAILED'}`);
    if (r.done.length === 0 && r.error === undefined) lines.push('  nothing to do');
    for (const d of r.done) {
      const c = d.change;
      if (c.kind === 'create')
        lines.push(`  created    ${c.name} (id ${d.id}), credentials in the vault as ${d.vaultEntry ?? '?'}`);
      else if (c.kind === 'update') lines.push(`  updated    ${c.stream.name} (id ${d.id})`);
      else if (c.kind === 'delete') lines.push(`  deleted    ${c.stream.name} (id ${d.id})`);
    }
    if (r.error !== undefined) lines.push(`  error: ${r.error.message} [${r.error.code}]`);
  }
  const left = leftToDo(results, failures);
  if (left.length > 0) lines.push('', 'Left to do (run `ampstream apply` again once fixed):', ...left);
  return lines.join('\n');
}

/** One line per change not made, per organisation, with why. */
export function leftToDo(results: readonly ApplyOrgResult[], failures: readonly OrgFailure[]): string[] {
  const lines: string[] = [];
  for (const f of failures)
    lines.push(
      `  ${f.org}: nothing applied (could not plan: ${f.error.message})${f.error.hint === undefined ? '' : `; ${f.error.hint}`}`,
    );
  for (const r of results) {
    if (r.left.length === 0) continue;
    lines.push(
      `  ${r.org}: ${r.error?.message ?? 'stopped'}${r.error?.hint === undefined ? '' : `; ${r.error.hint}`}`,
    );
    for (const c of r.left) lines.push(`  ${changeLine(c)}`);
  }
  return lines;
}

export function applyJson(results: readonly ApplyOrgResult[], failures: readonly OrgFailure[]): unknown {
  return {
    organisations: [
      ...results.map((r) => ({
        org: r.org,
        done: r.done.map((d) => ({
          ...changeJson(d.change),
          id: d.id,
          ...(d.vaultEntry === undefined ? {} : { vaultEntry: d.vaultEntry }),
        })),
        left: r.left.map(changeJson),
        ...(r.error === undefined ? {} : { error: { code: r.error.code, message: r.error.message } }),
      })),
      ...failures.map((f) => ({
        org: f.org,
        done: [],
        error: { code: f.error.code, message: f.error.message },
      })),
    ],
  };
}
