import { type Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { writeFile } from 'node:fs/promises';
import pc from 'picocolors';
import type { RunningEmulator } from '../../emulator/types.js';
import { AmpError, ExitCode } from '../../errors.js';
import { registerEmulatorInject } from './emulator-inject.js';

/**
 * `ampstream emulator`: run the local Secure Endpoint (REST API + AMQPS event streams on the
 * built-in broker, or on a RabbitMQ with --broker-url) until SIGINT/SIGTERM. Human mode
 * prints where everything is to stderr;
 * `--json` prints one JSON line on stdout once ready, for scripts:
 *   {"apiUrl","amqpHost","amqpPort","caPath","clientId","apiKey","readOnlyApiKey"}
 */

function nonNegativeInt(name: string, max: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) > max)
      throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}`);
    return Number(v);
  };
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

export function readyLine(emu: RunningEmulator): string {
  const { apiUrl, amqpHost, amqpPort, caPath, clientId, apiKey, readOnlyApiKey } = emu;
  // several organisations: each one's name and keys too (the top-level keys are the first's)
  const organisations =
    emu.organisations.length > 1
      ? {
          organisations: emu.organisations.map((o) => ({
            name: o.name,
            orgGuid: o.orgGuid,
            clientId: o.clientId,
            apiKey: o.apiKey,
            readOnlyApiKey: o.readOnlyApiKey,
          })),
        }
      : {};
  return JSON.stringify({
    apiUrl,
    amqpHost,
    amqpPort,
    caPath,
    clientId,
    apiKey,
    readOnlyApiKey,
    ...organisations,
  });
}

/** `--orgs 3` or `--orgs acme,globex` */
export function parseOrgs(v: string): number | string[] {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 100) throw new InvalidArgumentError('--orgs must be 1 to 100, or a list of names');
    return n;
  }
  const names = v.split(',').map((s) => s.trim());
  if (names.some((n) => !/^[a-z0-9_-]+$/.test(n)))
    throw new InvalidArgumentError('--orgs names are labels: lower-case letters, digits, "_" and "-"');
  return names;
}

export function humanBlock(emu: RunningEmulator, where: string): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(15)}${v}`;
  return [
    `${pc.bold('ampstream emulator')} ready (${where})`,
    row('API', emu.apiUrl),
    row('AMQPS', `${emu.amqpHost}:${emu.amqpPort}`),
    row('broker', emu.broker === 'builtin' ? 'built-in (in this process)' : 'RabbitMQ (--broker-url)'),
    row('CA', emu.caPath),
    row('client id', emu.clientId),
    row('API key', `${emu.apiKey}  (read & write)`),
    row('read-only key', emu.readOnlyApiKey),
    ...(emu.organisations.length > 1
      ? emu.organisations.flatMap((o) => [
          '',
          row('organisation', `${o.name} (${o.orgGuid})`),
          row('  client id', o.clientId),
          row('  API key', `${o.apiKey}  (read & write)`),
          row('  read-only key', o.readOnlyApiKey),
        ])
      : []),
    '',
    'Create a stream:',
    `  curl --cacert ${emu.caPath} -u ${emu.clientId}:${emu.apiKey} \\`,
    `    -H 'content-type: application/json' -d '{"name":"demo"}' ${emu.apiUrl}/v1/event_streams`,
    '',
    'Inject your own events (JSON lines) into a stream:',
    `  ampstream emulator inject --stream <id> --api-url ${emu.apiUrl} --client-id ${emu.clientId} \\`,
    `    --api-key ${emu.apiKey} --ca ${emu.caPath} events.ndjson`,
    '',
    'Ctrl+C stops the emulator.',
  ].join('\n');
}

/**
 * Resolves on the first SIGINT/SIGTERM; any further signal exits at once (130), so a stuck
 * close never traps the user. Returns a function that removes the handlers.
 */
function onSignals(): { first: Promise<NodeJS.Signals>; dispose: () => void } {
  let seen = false;
  let resolveFirst: (s: NodeJS.Signals) => void = () => undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) process.exit(130);
    seen = true;
    resolveFirst(signal);
  };
  process.on('SIGINT', handler).on('SIGTERM', handler);
  return { first, dispose: () => process.off('SIGINT', handler).off('SIGTERM', handler) };
}

export function registerEmulator(program: Command): void {
  const emulator = program
    .command('emulator')
    .description(
      'run a local Secure Endpoint: REST API over HTTPS and event streams over AMQPS (built-in broker, or RabbitMQ with --broker-url)',
    )
    .option(
      '--api-port <port>',
      'HTTPS REST API port (0 = a free port)',
      nonNegativeInt('--api-port', 65535),
      0,
    )
    .option('--amqps-port <port>', 'AMQPS port (0 = a free port)', nonNegativeInt('--amqps-port', 65535), 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'keep streams, keys, the CA and (built-in broker) queued events here across restarts (default: in memory)',
    )
    .option(
      '--broker-url <url>',
      'a RabbitMQ behind the streams instead of the built-in broker, e.g. amqp://guest:guest@127.0.0.1:5672',
    )
    .option(
      '--management-url <url>',
      'with --broker-url: its management API (per-stream users)',
      'http://guest:guest@127.0.0.1:15672',
    )
    .option(
      '--max-queue-length <n>',
      'built-in broker: most events per stream queue (ready + unacknowledged); an injection over it gets 409',
      (v: string) => {
        const n = nonNegativeInt('--max-queue-length', 1e9)(v);
        if (n < 1) throw new InvalidArgumentError('--max-queue-length must be at least 1');
        return n;
      },
      1_000_000,
    )
    .option('--rate <events/s>', 'publish generated events continuously at this rate', positiveNumber, 0)
    .option('--seed <n>', 'seed of the generated fleet and events', nonNegativeInt('--seed', 2 ** 31), 1)
    .option(
      '--incidents-without-id',
      'send threat hunting incidents without `id`, as Secure Endpoint does (other kinds keep theirs)',
      false,
    )
    .option(
      '--rate-limit <requests/hour>',
      'REST requests per hour per API key',
      nonNegativeInt('--rate-limit', 1e9),
      3000,
    )
    .option(
      '--orgs <n|names>',
      'serve several organisations (own keys, fleet, streams, 5-stream limit): a count, or names a,b',
      parseOrgs,
    )
    .option('--json', 'print one JSON line with the endpoints and credentials on stdout once ready')
    .option(
      '--ready-file <file>',
      'also write that JSON line to this file (mode 0600), e.g. for `emulator inject`',
    )
    .action(async (opts) => {
      const json = opts.json === true;
      // loaded on demand: other commands do not pay for hono, faker and the AMQP client
      const [{ startEmulator }, { createLogger }] = await Promise.all([
        import('../../emulator/index.js'),
        import('../../telemetry/logger.js'),
      ]);
      const logger = createLogger({ defaultLevel: json ? 'warn' : 'info' });
      const signals = onSignals();
      const emu = await startEmulator({
        apiPort: opts.apiPort,
        amqpsPort: opts.amqpsPort,
        host: opts.host,
        brokerUrl: opts.brokerUrl,
        managementUrl: opts.managementUrl,
        maxQueueLength: opts.maxQueueLength,
        rate: opts.rate,
        seed: opts.seed,
        incidentsWithoutId: opts.incidentsWithoutId,
        rateLimitPerHour: opts.rateLimit,
        ...(opts.orgs === undefined ? {} : { organisations: opts.orgs }),
        logger,
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
      }).catch((e: unknown) => {
        signals.dispose();
        throw explainStartFailure(e);
      });
      if (opts.readyFile !== undefined)
        await writeFile(opts.readyFile, `${readyLine(emu)}\n`, { mode: 0o600 });
      if (json) process.stdout.write(`${readyLine(emu)}\n`);
      else {
        const where =
          opts.dataDir === undefined
            ? `seed ${opts.seed}, in memory`
            : `seed ${opts.seed}, data in ${opts.dataDir}`;
        process.stderr.write(`${humanBlock(emu, where)}\n`);
      }
      const signal = await signals.first;
      if (!json) process.stderr.write(`\n${signal}: closing the emulator…\n`);
      await emu.close();
      signals.dispose();
      logger.flush();
    });
  registerEmulatorInject(emulator);
}

/** A port in use or not allowed is an error with a hint, not a stack trace. */
function explainStartFailure(e: unknown): unknown {
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno !== 'EADDRINUSE' && errno !== 'EACCES' && errno !== 'EADDRNOTAVAIL') return e;
  const where = (e as { address?: string; port?: number }).port;
  return new AmpError(
    'EMULATOR',
    `the emulator cannot listen${where === undefined ? '' : ` on port ${where}`} (${errno})`,
    {
      cause: e,
      exitCode: ExitCode.UNAVAILABLE,
      hint:
        errno === 'EADDRINUSE'
          ? 'another process uses that port: pick another with --api-port / --amqps-port (0 = a free port)'
          : 'check --host and the ports (ports below 1024 need privileges)',
    },
  );
}
