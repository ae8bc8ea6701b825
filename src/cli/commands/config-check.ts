import { filePathProblem } from '../../sinks/file/path-check.js';
import pc from 'picocolors';
import {
  configJsonSchema,
  formatIssue,
  loadConfig,
  type ConfigIssue,
  type LoadedConfig,
} from '../../config/index.js';
import { collectSecretRefs } from '../../config/secrets.js';
import { AmpError, ExitCode, isAmpError, toAmpError } from '../../errors.js';
import { loadStreamCredentials } from '../../secrets/credentials.js';
import { openUserVault } from '../../secrets/open.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import { registeredSinks } from '../../sinks/registry.js';
import { reportError } from '../output.js';

/** The implementation of `ampstream config check` and `config schema` (loaded on demand). */

export function printSchema(): void {
  process.stdout.write(`${JSON.stringify(configJsonSchema(registeredSinks), null, 2)}\n`);
}

export interface CheckOptions {
  readonly path?: string;
  readonly offline: boolean;
  readonly json: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export async function checkCommand(options: CheckOptions): Promise<number> {
  const env = options.env ?? process.env;
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({
      factories: registeredSinks,
      env,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
  } catch (e) {
    if (!isAmpError(e, 'CONFIG_INVALID')) return reportError(e, options.json);
    return printIssues(e.details.issues ?? [], e, options.json);
  }
  const issues = [
    ...(await checkPaths(loaded)),
    ...(options.offline ? [] : await checkSecrets(loaded, env)),
  ].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (issues.length > 0) {
    const n = issues.length;
    const err = new AmpError(
      'CONFIG_INVALID',
      `${loaded.path}: ${n} configuration error${n === 1 ? '' : 's'}`,
      {
        hint: 'secret references must resolve where the daemon runs (same environment, files and vault passphrase)',
        details: { issues },
      },
    );
    return printIssues(issues, err, options.json);
  }
  const c = loaded.config;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: true, path: loaded.path, streams: c.streams.length, sinks: c.sinks.length }, null, 2)}\n`,
    );
  } else {
    const streams = c.streams.map((s) => s.label).join(', ');
    const sinks = c.sinks.map((s) => `${s.name} (${s.type}, ${s.format})`).join(', ');
    const metrics =
      c.metrics.listen === false ? 'off' : `http://${c.metrics.listen.host}:${c.metrics.listen.port}`;
    process.stderr.write(
      `${pc.green('ok')} ${loaded.path}\n  streams: ${streams}\n  sinks:   ${sinks}\n  metrics: ${metrics}` +
        `${options.offline ? '\n  (offline: secret references and vault entries not checked)' : ''}\n`,
    );
  }
  return ExitCode.OK;
}

function printIssues(issues: readonly ConfigIssue[], err: AmpError, json: boolean): number {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, errors: issues }, null, 2)}\n`);
  } else {
    for (const i of issues) process.stderr.write(`${pc.red('error:')} ${formatIssue(i)}\n`);
    if (err.hint !== undefined) process.stderr.write(`${pc.cyan('hint:')} ${err.hint}\n`);
  }
  return ExitCode.CONFIG;
}

/** Every file the daemon appends to (file sinks, the dead-letter file) can be written there. */
async function checkPaths(loaded: LoadedConfig): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const c = loaded.config;
  for (const [i, s] of c.sinks.entries()) {
    const path = (s.options as { path?: unknown }).path;
    if (s.type !== 'file' || typeof path !== 'string') continue;
    const problem = await filePathProblem(path);
    if (problem !== undefined) issues.push(loaded.issueAt(['sinks', i, 'path'], problem));
  }
  const dl = await filePathProblem(c.deadLetter.path);
  if (dl !== undefined) issues.push(loaded.issueAt(['deadLetter', 'path'], dl));
  return issues;
}

/** Resolve every secret reference and look up the vault entry of every vault-backed stream. */
async function checkSecrets(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const resolve = createSecretResolver({ env, vault: openVaultReader({ env, interactive: false }) });
  for (const { path, ref } of collectSecretRefs(loaded.raw)) {
    try {
      await resolve(ref);
    } catch (e) {
      issues.push(loaded.issueAt(path, describe(e)));
    }
  }
  const needVault = loaded.config.streams.map((s, i) => ({ s, i })).filter(({ s }) => s.amqp === undefined);
  if (needVault.length === 0) return issues;
  let vault: Awaited<ReturnType<typeof openUserVault>>;
  try {
    vault = await openUserVault({ env, interactive: false });
  } catch (e) {
    return [...issues, loaded.issueAt(['streams', needVault[0]?.i ?? 0, 'id'], describe(e))];
  }
  for (const { s, i } of needVault) {
    try {
      const creds = vault === undefined ? undefined : await loadStreamCredentials(vault, s.id ?? '');
      if (creds === undefined) {
        issues.push(
          loaded.issueAt(
            ['streams', i, 'id'],
            `no credentials for stream ${s.id ?? '?'} in the vault (entry stream/${s.id ?? '?'}): create the stream with \`ampstream streams create\`, or give explicit \`amqp\` settings`,
          ),
        );
      }
    } catch (e) {
      issues.push(loaded.issueAt(['streams', i, 'id'], describe(e)));
    }
  }
  return issues;
}

function describe(e: unknown): string {
  const err = toAmpError(e);
  return `${err.message} [${err.code}]${err.hint === undefined ? '' : ` (${err.hint})`}`;
}
