import { loadConfig } from '../../config/index.js';
import { Backfill, type BackfillResult } from '../../daemon/backfill.js';
import { resolveGroupsViaApi } from '../../daemon/groups.js';
import { onStopSignals } from '../../daemon/signals.js';
import { AmpError, ExitCode } from '../../errors.js';
import { createPipeline } from '../../pipeline/index.js';
import { openUserVault } from '../../secrets/open.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import { registeredSinks } from '../../sinks/registry.js';
import { resolveEventTypes, resolveGroups } from '../../streams/resolve.js';
import { createLogger } from '../../telemetry/logger.js';
import { parseTimeSpec } from '../../util/duration.js';
import { openApi, type ConnectionOptionValues } from '../connection.js';
import { notice, printData, reportError } from '../output.js';

export interface BackfillCommandOptions extends ConnectionOptionValues {
  since: string;
  until?: string;
  org?: string;
  eventType?: string[];
  group?: string[];
  pageSize?: string;
  config?: string;
  logLevel?: string;
  json?: true;
}

function time(text: string, flag: string, now: number): Date {
  const d = parseTimeSpec(text, now);
  if (d === undefined)
    throw new AmpError('USAGE', `${flag} ${JSON.stringify(text)} is not a time`, {
      hint: 'give ISO 8601 (2026-12-01T00:00:00Z), epoch seconds, or a duration ago (24h, 7d)',
    });
  return d;
}

/** The `backfill` action: exit 0 when the window is done, 130 when stopped by a signal (resumable). */
export async function backfillCommand(opts: BackfillCommandOptions): Promise<number> {
  try {
    const now = Date.now();
    const since = time(opts.since, '--since', now);
    const until = opts.until === undefined ? undefined : time(opts.until, '--until', now);
    const pageSize = opts.pageSize === undefined ? undefined : Number(opts.pageSize);
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 500))
      throw new AmpError('USAGE', '--page-size must be an integer from 1 to 500');
    const { config } = await loadConfig({
      factories: registeredSinks,
      flags: opts.logLevel === undefined ? {} : { logLevel: opts.logLevel },
      ...(opts.config === undefined ? {} : { path: opts.config }),
    });
    if (process.env['AMPSTREAM_LOG_LEVEL'] === '') delete process.env['AMPSTREAM_LOG_LEVEL'];
    const logger = createLogger({ level: config.log.level });
    logger.level = config.log.level;
    const org = opts.org ?? 'default';
    // 429s are waited out by the backfill itself, as long as they last (the client would give up)
    const client = await openApi({ flags: opts, org, config, retry: { maxRateLimitRetries: 0 } });
    let result: BackfillResult;
    let stopped = false;
    try {
      const eventTypes =
        opts.eventType === undefined
          ? undefined
          : resolveEventTypes(opts.eventType, await client.eventTypes()).map((t) => t.id);
      const groupGuids =
        opts.group === undefined
          ? undefined
          : resolveGroups(opts.group, await listGroups(client)).map((g) => g.guid);
      const vault = (() => {
        let opened: ReturnType<typeof openUserVault> | undefined;
        return () => (opened ??= openUserVault());
      })();
      const backfill = new Backfill(config, {
        eventsPage: (q, offset) => client.eventsPage(q, offset),
        createPipeline,
        factories: registeredSinks,
        resolveSecret: createSecretResolver({ vault: openVaultReader() }),
        logger,
        resolveGroups: (names) => resolveGroupsViaApi(names, vault),
      });
      const off = onStopSignals({
        graceful: () => {
          stopped = true;
          logger.info('stopping: finishing the batch in flight; run the same command again to resume');
          void backfill.drain();
        },
        immediate: () => process.exit(ExitCode.INTERRUPTED),
      });
      try {
        result = await backfill.run({ org, since, until, eventTypes, groupGuids, pageSize });
      } finally {
        off();
      }
    } finally {
      await client.close();
    }
    printData(opts.json === true, result, () =>
      [
        `window      ${result.since} … ${result.until}`,
        `pages       ${result.counts.pages} (${result.counts.fetched} events fetched)`,
        `delivered   ${result.counts.delivered}`,
        `duplicates  ${result.counts.duplicates} (already delivered, skipped)`,
        `429 waits   ${result.counts.rateLimitWaits}`,
        `status      ${result.complete ? 'complete' : 'stopped (run the same command again to resume)'}${result.resumedFrom > 0 ? `, resumed at offset ${result.resumedFrom}` : ''}`,
      ].join('\n'),
    );
    if (!result.complete) notice('backfill stopped before the end of the window; the checkpoint is kept');
    return result.complete ? ExitCode.OK : stopped ? ExitCode.INTERRUPTED : ExitCode.TEMPFAIL;
  } catch (e) {
    return reportError(e);
  }
}

async function listGroups(client: Awaited<ReturnType<typeof openApi>>) {
  const out = [];
  for await (const g of client.groups()) out.push(g);
  return out;
}
