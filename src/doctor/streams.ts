import type { StreamTarget } from '../daemon/stream-target.js';
import { DEFAULT_ORG } from '../config/schema.js';
import type { StreamConfig } from '../config/types.js';
import { toAmpError, type AmpError } from '../errors.js';
import { resolveProxy } from '../proxy/settings.js';
import type { QueueLook, QueueTarget } from './amqp-probe.js';
import { fail, ok, skip, warnResult, type CheckResult } from './types.js';

/**
 * The checks of one configured stream: it exists (in the API's list), its AMQP credentials
 * resolve (vault entry or explicit settings), the broker accepts them over AMQPS (through the
 * proxy), the queue depth, other consumers, and the age of the oldest waiting event against
 * the queue's retention.
 */

/** Cisco keeps an event in a stream's queue for 10 days (the queue's message TTL). */
export const STREAM_RETENTION_MS = 10 * 86_400_000;

export interface StreamCheckDeps {
  readonly resolveTarget: (s: StreamConfig) => Promise<StreamTarget>;
  readonly look: (t: QueueTarget, o: { timeoutMs: number; peek: boolean }) => Promise<QueueLook>;
  /** id → name from the API, when it could be listed */
  readonly apiStreams: ReadonlyMap<string, string> | undefined;
  /** why the list is missing (for SKIP lines) */
  readonly apiProblem?: string;
  /** (default=`default`) the organisation `apiStreams` belongs to (`doctor --org`) */
  readonly apiOrg?: string | undefined;
  /** consumers this host's own running daemon holds on the stream (0 when none runs) */
  readonly ownConsumers: (label: string) => number;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  readonly peek: boolean;
  readonly timeoutMs: number;
  /** (default=STREAM_RETENTION_MS) */
  readonly retentionMs?: number;
}

const hours = (ms: number): string =>
  ms >= 2 * 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} h`;

export async function checkStream(stream: StreamConfig, deps: StreamCheckDeps): Promise<CheckResult[]> {
  const S = `stream ${stream.label}`;
  const out: CheckResult[] = [existsCheck(S, stream, deps)];
  let target: StreamTarget;
  try {
    target = await deps.resolveTarget(stream);
    out.push(
      ok(S, 'credentials', `${target.redactedUrl}, queue ${target.queue}, from ${credentialsOrigin(stream)}`),
    );
  } catch (e) {
    const err = toAmpError(e);
    out.push(fail(S, 'credentials', err.message, err.hint, err.code));
    out.push(
      ...['amqps', 'queue', 'consumers', 'oldest'].map((c) => skip(S, c, 'not checked: no credentials')),
    );
    return out;
  }

  const u = new URL(target.url);
  const port = u.port === '' ? (u.protocol === 'amqps:' ? 5671 : 5672) : Number(u.port);
  let look: QueueLook;
  let proxyNote = '';
  try {
    const proxy = resolveProxy({
      configured: target.proxy,
      origin: `stream ${stream.label} proxy`,
      host: u.hostname,
      port,
      env: deps.env,
    });
    proxyNote = proxy === undefined ? '' : ` through the proxy ${proxy.display}`;
    look = await deps.look(
      {
        url: target.url,
        queue: target.queue,
        insecure: target.insecure,
        ...(target.ca === undefined ? {} : { ca: target.ca }),
        ...(proxy === undefined ? {} : { proxy }),
      },
      { timeoutMs: deps.timeoutMs, peek: deps.peek },
    );
  } catch (e) {
    const err = toAmpError(e, 'AMQP_CONNECTION');
    const deleted = out.some((r) => r.check === 'exists' && r.status === 'fail');
    out.push(
      fail(
        S,
        'amqps',
        `${target.redactedUrl}${proxyNote}: ${err.message}`,
        amqpsFix(err, target, deleted),
        err.code,
      ),
    );
    out.push(...['queue', 'consumers', 'oldest'].map((c) => skip(S, c, 'not checked: no AMQPS connection')));
    return out;
  }
  out.push(connectedCheck(S, target, `${u.hostname}:${port}${proxyNote}`));
  out.push(ok(S, 'queue', `${look.messageCount} event(s) waiting`));
  out.push(consumersCheck(S, look, deps.ownConsumers(stream.label)));
  out.push(oldestCheck(S, look, deps));
  return out;
}

/** Is the configured stream id in the organisation's list? */
function existsCheck(S: string, stream: StreamConfig, deps: StreamCheckDeps): CheckResult {
  const org = stream.org ?? DEFAULT_ORG;
  if (stream.id === undefined && stream.declared === true)
    return skip(S, 'exists', 'a declared stream: `ampstream plan --exit-code` checks it against the API');
  if (stream.id === undefined)
    return skip(S, 'exists', 'no stream id in the config (explicit amqp settings): the API cannot be asked');
  if (org !== (deps.apiOrg ?? DEFAULT_ORG))
    return skip(S, 'exists', `a stream of organisation ${org}: checked by \`ampstream doctor --org ${org}\``);
  if (deps.apiStreams === undefined)
    return skip(S, 'exists', `not checked: ${deps.apiProblem ?? 'the API could not list the streams'}`);
  if (deps.apiStreams.has(stream.id))
    return ok(
      S,
      'exists',
      `stream ${stream.id} "${deps.apiStreams.get(stream.id) ?? ''}" is in the organisation's list`,
    );
  return fail(
    S,
    'exists',
    `stream ${stream.id} is not in the organisation's list of ${deps.apiStreams.size} stream(s): it was deleted (or belongs to another organisation)`,
    'create a new stream with `ampstream streams create` and put its id in the config (a deleted stream cannot come back)',
    'API_NOT_FOUND',
  );
}

function credentialsOrigin(stream: StreamConfig): string {
  return stream.amqp !== undefined
    ? `explicit amqp settings${stream.amqp.password === undefined ? '' : ` (password from ${stream.amqp.password.replace(/:.*$/, ':…')})`}`
    : stream.id === undefined
      ? `the vault entry of organisation ${stream.org ?? DEFAULT_ORG} named "${stream.name ?? ''}"`
      : `vault entry stream/${stream.id}`;
}

/** What to do when the AMQPS check failed (`deleted`: the API no longer lists the stream). */
function amqpsFix(err: AmpError, target: StreamTarget, deleted: boolean): string | undefined {
  if (deleted && (err.code === 'AMQP_ACCESS_REFUSED' || err.code === 'AMQP_QUEUE_NOT_FOUND'))
    return 'the stream is gone (its queue and broker user with it): create a new stream with `ampstream streams create` and update the config';
  if (err.code === 'AMQP_ACCESS_REFUSED')
    return 'the broker refuses these credentials: if the stream still exists, its stored credentials are wrong; recreate it with `ampstream streams create` (Cisco shows the password only once)';
  if (err.code === 'AMQP_TLS')
    return `trust the broker's CA with \`ca:\` in the stream's config (PEM file)${target.ca === undefined ? '' : "; the configured `ca` does not match the broker's certificate"}`;
  return err.hint;
}

function connectedCheck(S: string, target: StreamTarget, where: string): CheckResult {
  if (target.insecure)
    return warnResult(
      S,
      'amqps',
      `connected to ${where} with certificate verification OFF (insecure: true)`,
      'remove `insecure: true` and trust the broker CA with `ca:`',
    );
  return ok(S, 'amqps', `connected to ${where}, TLS verified, passive declare of ${target.queue} answered`);
}

/** Other consumers on the queue split the stream's events (the host's own daemon aside). */
function consumersCheck(S: string, look: QueueLook, own: number): CheckResult {
  const others = look.consumerCount - own;
  const ownNote = own > 0 ? ` (besides the ${own} of this host's running daemon)` : '';
  if (others > 0)
    return warnResult(
      S,
      'consumers',
      `${others} other consumer(s) attached${ownNote}: the broker splits the stream's events between consumers, so each gets only part of them`,
      'find and stop the other consumer (another ampstream, a SIEM connector or a test script using the same stream credentials); or give each tool its own stream',
    );
  return ok(S, 'consumers', own > 0 ? `only this host's daemon is attached` : 'no consumer attached');
}

function oldestCheck(S: string, look: QueueLook, deps: StreamCheckDeps): CheckResult {
  const retention = deps.retentionMs ?? STREAM_RETENTION_MS;
  if (look.messageCount === 0) return ok(S, 'oldest', 'the queue is empty: nothing is at risk of expiring');
  if (!deps.peek)
    return skip(
      S,
      'oldest',
      `${look.messageCount} waiting; their age is not visible over AMQP (run without --no-peek to look at the head message)`,
    );
  const t = look.oldest?.eventTime;
  if (t === undefined)
    return skip(S, 'oldest', 'the head message could not be read (taken by a consumer, or not an event)');
  const age = Math.max(0, deps.now() - t);
  const left = retention - age;
  const evidence = `the head event is ${hours(age)} old (estimated from its event time); events expire after ${hours(retention)}`;
  if (left < retention * 0.2)
    return fail(
      S,
      'oldest',
      `${evidence}: about ${hours(Math.max(0, left))} left before events are lost`,
      'start consuming now (`ampstream run`); then backfill what expired from /v1/events',
    );
  if (age > retention / 2)
    return warnResult(
      S,
      'oldest',
      `${evidence}: consumption is far behind`,
      'check the daemon and its sinks (`ampstream doctor` sink lines, /healthz)',
    );
  return ok(S, 'oldest', evidence);
}
