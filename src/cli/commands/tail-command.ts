import pc from 'picocolors';
import type { StreamConfig } from '../../config/types.js';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_PREFETCH } from '../../config/defaults.js';
import { AmpError, ExitCode } from '../../errors.js';
import { listStreamCredentials, type CredentialVaultReader } from '../../secrets/credentials.js';
import { openUserVault } from '../../secrets/open.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import { createLogger } from '../../telemetry/logger.js';
import { redactUrls } from '../../telemetry/redact.js';
import { createPipeline } from '../../pipeline/index.js';
import { assertCount, startLive, type LiveView } from '../live/live.js';
import { explainFatal } from '../../daemon/daemon.js';
import { exitSoon, onStopSignals } from '../../daemon/signals.js';
import { resolveStreamTarget, sourceConnection, type StreamTarget } from '../../daemon/stream-target.js';
import { notice, reportError, warn } from '../output.js';

/**
 * `ampstream tail <stream>`: watch a stream live, one readable line per event (or `--json`:
 * the raw event bytes, one per line). Non-destructive by default: a **peek** acks nothing and
 * everything goes back to the queue on exit, so a production consumer loses nothing;
 * `--consume` acks each event once its line is written.
 */

export const PEEK_NOTICE =
  'peek mode: events are not acknowledged and stay in the queue; use --consume to remove them';

export interface TailOptions {
  readonly consume?: true;
  readonly json?: true;
  readonly count?: number;
  readonly prefetch?: number;
  readonly amqpUrl?: string;
  readonly amqpUrlOnCommandLine?: boolean;
  readonly queue?: string;
  readonly ca?: string;
  readonly insecure?: true;
  readonly color: boolean;
}

export async function tailCommand(streamArg: string | undefined, opts: TailOptions): Promise<number> {
  const logger = createLogger({ defaultLevel: 'warn' });
  let off = (): void => undefined;
  try {
    checkTailOptions(opts);
    const stream = await streamConfigFor(streamArg, opts);
    warnPasswordOnCommandLine(opts);
    const target = await resolveStreamTarget(stream, {
      resolveSecret: createSecretResolver({ vault: openVaultReader() }),
      vault: lazyVault(),
    });
    const url = opts.amqpUrl ?? target.url;
    const mode = opts.consume === true ? 'consume' : 'peek';
    announce(mode, target, url, opts);
    // Ctrl+C may come before the view exists (connecting): remember it
    const ref: { view?: LiveView; stopRequested?: boolean } = {};
    off = onStopSignals({
      graceful: () => {
        ref.stopRequested = true;
        void ref.view?.stop();
      },
    });
    const view = await startLive({
      source: {
        ...sourceConnection(target, url),
        mode,
        connectionName: `ampstream tail (${mode})`,
        logger,
      },
      json: opts.json === true,
      color: opts.color && process.stdout.isTTY === true,
      ...(opts.count === undefined ? {} : { count: opts.count }),
      logger,
      createPipeline,
    });
    ref.view = view;
    if (ref.stopRequested === true) void view.stop();
    await view.started;
    const result = await view.done;
    if (result.deadLetterPath !== undefined)
      warn(`messages that are not events were set aside in ${result.deadLetterPath}`);
    const code =
      result.outcome.kind === 'fatal'
        ? reportError(explainFatal(result.outcome.error, stream, result.connectedOnce))
        : ExitCode.OK;
    exitSoon(code);
    return code;
  } catch (e) {
    return reportError(e, opts.json === true);
  } finally {
    off();
  }
}

function checkTailOptions(opts: TailOptions): void {
  assertCount(opts.count);
  if (
    opts.prefetch !== undefined &&
    (!Number.isInteger(opts.prefetch) || opts.prefetch < 1 || opts.prefetch > 65535)
  ) {
    throw new AmpError('USAGE', '--prefetch must be an integer from 1 to 65535');
  }
}

function warnPasswordOnCommandLine(opts: TailOptions): void {
  if (
    opts.amqpUrl !== undefined &&
    opts.amqpUrlOnCommandLine === true &&
    /:\/\/[^/@]*:[^/@]+@/.test(opts.amqpUrl)
  ) {
    warn(
      'a password on the command line is visible to other local users (ps, shell history); prefer AMPSTREAM_AMQP_URL',
    );
  }
}

/** What tail is about to do, on stderr: the mode (peek leaves everything queued), where, until when. */
function announce(mode: 'peek' | 'consume', target: StreamTarget, url: string, opts: TailOptions): void {
  notice(
    mode === 'peek'
      ? pc.yellow(PEEK_NOTICE)
      : pc.yellow('consume mode: each event is acknowledged (removed from the queue) once it is printed'),
  );
  notice(
    pc.dim(
      `tailing ${target.queue} at ${redactUrls(url)}${opts.count === undefined ? '' : `, stopping after ${opts.count}`} (Ctrl+C to stop)`,
    ),
  );
  if (target.insecure) warn('TLS certificate verification is OFF (--insecure)');
}

function lazyVault(): () => Promise<CredentialVaultReader | undefined> {
  let opened: Promise<CredentialVaultReader | undefined> | undefined;
  return () => (opened ??= openUserVault());
}

/** A stream from the command line: an explicit URL, or an id or name found in the vault. */
async function streamConfigFor(streamArg: string | undefined, opts: TailOptions): Promise<StreamConfig> {
  const common = {
    insecure: opts.insecure === true,
    prefetch: opts.prefetch ?? DEFAULT_PREFETCH,
    heartbeatSeconds: DEFAULT_HEARTBEAT_SECONDS,
    ...(opts.ca === undefined ? {} : { ca: opts.ca }),
  };
  if (opts.amqpUrl !== undefined) {
    const queue =
      opts.queue ??
      (streamArg !== undefined && /^\d+$/.test(streamArg) ? `event_stream_${streamArg}` : undefined);
    if (queue === undefined)
      throw new AmpError('USAGE', 'with --amqp-url, give --queue (or a numeric stream id)');
    if (!/^amqps?:\/\//.test(opts.amqpUrl))
      throw new AmpError('USAGE', '--amqp-url must be an amqp:// or amqps:// URL');
    // the URL is used as given (password included); the target only supplies the queue and CA
    return {
      label: queue,
      amqp: { url: opts.amqpUrl.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1@'), queue },
      ...common,
    };
  }
  if (streamArg === undefined) {
    throw new AmpError(
      'USAGE',
      'which stream? give its id or name (`ampstream streams list`), or --amqp-url and --queue',
    );
  }
  if (/^\d+$/.test(streamArg)) return { label: streamArg, id: streamArg, ...common };
  const vault = await openUserVault();
  const stored = vault === undefined ? [] : await listStreamCredentials(vault);
  const match =
    stored.find((s) => s.name === streamArg) ??
    stored.find((s) => s.name.toLowerCase() === streamArg.toLowerCase());
  if (match === undefined) {
    throw new AmpError('UNKNOWN_STREAM', `no stream named "${streamArg}" has credentials in the vault`, {
      hint: 'list streams with `ampstream streams list` and use the id, or pass --amqp-url and --queue',
    });
  }
  return { label: streamArg, id: match.id, name: match.name, ...common };
}
