import { listAll } from '../../api/pagination.js';
import type { SecureEndpointClient } from '../../api/client.js';
import { loadConfig } from '../../config/index.js';
import { DEFAULT_ORG } from '../../config/schema.js';
import type { AmpstreamConfig } from '../../config/types.js';
import { AmpError, ExitCode, toAmpError } from '../../errors.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import { VaultSession } from '../../secrets/session.js';
import { registeredSinks } from '../../sinks/registry.js';
import { applyOrg, type ApplyOrgResult } from '../../streams/apply.js';
import {
  pendingChanges,
  planOrg,
  type DesiredStream,
  type OrgPlan,
  type OrgSnapshot,
} from '../../streams/plan.js';
import { applyJson, applyText, planJson, planText, type OrgFailure } from '../../streams/plan-format.js';
import { openApi, type ConnectionFlags } from '../connection.js';
import { notice, printData } from '../output.js';

/**
 * `ampstream plan` / `ampstream apply` (docs/fleet.md): the declared streams of the config
 * (entries of `streams:` with a `name` and no `id`/`amqp`, with `org`, `eventTypes`,
 * `groups`), per organisation, against what each organisation has. Each organisation is read
 * and planned on its own: one that cannot be reached (401, 429, down) is reported and the
 * others go on. Exit codes: 0 done / no drift; 2 drift (`plan --exit-code`); otherwise the
 * code of the first organisation's failure (77 for a 401, 75 for a 429, …).
 */

export interface PlanCommandOptions {
  readonly config?: string | undefined;
  /** only this organisation */
  readonly org?: string | undefined;
  readonly allowDelete: boolean;
  readonly json: boolean;
  readonly exitCode?: boolean;
  /** connection flags (rarely useful with several organisations; they apply to every one) */
  readonly connection?: ConnectionFlags;
}

interface PlannedOrg {
  readonly org: string;
  readonly client: SecureEndpointClient;
  readonly snapshot: OrgSnapshot;
  readonly plan: OrgPlan;
}

/** The organisations the config speaks for, in order: declared ones, then those streams name. */
export function organisationsOf(config: AmpstreamConfig): string[] {
  const orgs = new Set(config.organisations.map((o) => o.name));
  for (const s of config.streams) orgs.add(s.org ?? DEFAULT_ORG);
  return [...orgs];
}

export function desiredOf(config: AmpstreamConfig, org: string): DesiredStream[] {
  return config.streams
    .filter((s) => s.declared === true && (s.org ?? DEFAULT_ORG) === org && s.name !== undefined)
    .map((s) => ({ name: s.name ?? '', eventTypes: s.eventTypes ?? [], groups: s.groups ?? [] }));
}

function pinnedOf(config: AmpstreamConfig, org: string): string[] {
  return config.streams.flatMap((s) => ((s.org ?? DEFAULT_ORG) === org && s.id !== undefined ? [s.id] : []));
}

async function snapshotOf(client: SecureEndpointClient): Promise<OrgSnapshot> {
  const [streams, eventTypes, groups] = await Promise.all([
    client.eventStreams(),
    client.eventTypes(),
    listAll(client.groups()),
  ]);
  return { streams, eventTypes, groups };
}

async function planAll(
  o: PlanCommandOptions,
  vault: VaultSession,
): Promise<{ planned: PlannedOrg[]; failures: OrgFailure[] }> {
  const { config } = await loadConfig({
    factories: registeredSinks,
    ...(o.config === undefined ? {} : { path: o.config }),
  });
  const resolveSecret = createSecretResolver({ vault: openVaultReader() });
  const orgs = organisationsOf(config).filter((org) => o.org === undefined || org === o.org);
  if (o.org !== undefined && orgs.length === 0)
    throw new AmpError('USAGE', `the config names no organisation "${o.org}"`, {
      hint: `it names: ${organisationsOf(config).join(', ')}`,
    });
  const planned: PlannedOrg[] = [];
  const failures: OrgFailure[] = [];
  for (const org of orgs) {
    let client: SecureEndpointClient | undefined;
    try {
      client = await openApi({
        org,
        config,
        vault,
        resolveSecret,
        ...(o.connection === undefined ? {} : { flags: o.connection }),
      });
      const snapshot = await snapshotOf(client);
      const plan = planOrg(org, desiredOf(config, org), snapshot, {
        allowDelete: o.allowDelete,
        pinnedIds: pinnedOf(config, org),
      });
      planned.push({ org, client, snapshot, plan });
    } catch (e) {
      await client?.close();
      failures.push({ org, error: toAmpError(e) });
    }
  }
  return { planned, failures };
}

function failureExit(failures: readonly OrgFailure[], results: readonly ApplyOrgResult[] = []): number {
  const first = failures[0]?.error ?? results.find((r) => r.error !== undefined)?.error;
  if (first === undefined) return ExitCode.OK;
  return first.exitCode === ExitCode.OK ? ExitCode.SOFTWARE : first.exitCode;
}

/** `ampstream plan`: print the changes; exit 2 with --exit-code when `apply` would change anything. */
export async function planCommand(o: PlanCommandOptions): Promise<number> {
  const vault = new VaultSession();
  const { planned, failures } = await planAll(o, vault);
  try {
    const plans = planned.map((p) => p.plan);
    printData(o.json, planJson(plans, failures), () => planText(plans, failures));
    if (failures.length > 0) return failureExit(failures);
    const drift = plans.some((p) => pendingChanges(p).length > 0);
    return o.exitCode === true && drift ? 2 : ExitCode.OK;
  } finally {
    await Promise.all(planned.map((p) => p.client.close()));
  }
}

/**
 * `ampstream apply`: plan every organisation first (nothing is sent to any organisation whose
 * plan is refused), then apply them one by one; a failure in one leaves the others applied.
 */
export async function applyCommand(o: PlanCommandOptions): Promise<number> {
  const vault = new VaultSession();
  const { planned, failures } = await planAll(o, vault);
  const results: ApplyOrgResult[] = [];
  try {
    const creates = planned.some((p) => p.plan.changes.some((c) => c.kind === 'create'));
    // the one-time passwords go to the vault: it must be open for writing before any POST
    const vaultState = creates ? await vault.statusForWrite() : await vault.status();
    for (const p of planned) {
      const r = await applyOrg(p.client, p.plan, p.snapshot, { vault: vaultState });
      for (const text of r.unstored ?? []) process.stderr.write(`${text}\n`);
      results.push(r);
    }
    printData(o.json, applyJson(results, failures), () => applyText(results, failures));
    const code = failureExit(failures, results);
    if (code !== ExitCode.OK) notice('some organisations were not (fully) applied: see "Left to do" above');
    return code;
  } finally {
    await Promise.all(planned.map((p) => p.client.close()));
  }
}
