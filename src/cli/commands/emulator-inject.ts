import { readFile, stat } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { AmpError } from '../../errors.js';
import { printData } from '../output.js';

/**
 * `ampstream emulator inject --stream ID FILE`: replay your own events (JSON lines, bytes
 * unchanged, one message per non-empty line) into a running emulator's stream through its
 * injection endpoint. Where the emulator is comes from `--emulator FILE` (the JSON line
 * `ampstream emulator --json` prints, e.g. saved with --ready-file) or from --api-url,
 * --client-id, --api-key and --ca.
 */

/** (16 MiB) the endpoint's limit, checked here before sending */
const MAX_BYTES = 16 * 1024 * 1024;

interface Target {
  apiUrl: string;
  clientId: string;
  apiKey: string;
  caPath: string;
}

async function readTarget(opts: {
  emulator?: string;
  apiUrl?: string;
  clientId?: string;
  apiKey?: string;
  ca?: string;
}): Promise<Target> {
  let ready: Partial<Target> = {};
  if (opts.emulator !== undefined) {
    try {
      ready = JSON.parse(await readFile(opts.emulator, 'utf8')) as Partial<Target>;
    } catch (e) {
      throw new AmpError('USAGE', `cannot read the emulator's ready line from ${opts.emulator}`, {
        cause: e,
        hint: 'save it with `ampstream emulator --ready-file FILE` (or --json > FILE)',
      });
    }
  }
  const t = {
    apiUrl: opts.apiUrl ?? ready.apiUrl,
    clientId: opts.clientId ?? ready.clientId,
    apiKey: opts.apiKey ?? ready.apiKey,
    caPath: opts.ca ?? ready.caPath,
  };
  const missing = Object.entries(t)
    .filter(([, v]) => typeof v !== 'string' || v === '')
    .map(([k]) => k);
  if (missing.length > 0)
    throw new AmpError('USAGE', `where is the emulator? missing ${missing.join(', ')}`, {
      hint: 'pass --emulator FILE (the line `ampstream emulator --json` prints) or --api-url, --client-id, --api-key and --ca',
    });
  return t as Target;
}

async function readBody(file: string): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of process.stdin) {
      size += (c as Buffer).length;
      if (size > MAX_BYTES) throw tooLarge();
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }
  const s = await stat(file).catch((e: unknown) => {
    throw new AmpError('USAGE', `cannot read ${file}`, { cause: e });
  });
  if (s.size > MAX_BYTES) throw tooLarge();
  return readFile(file);
}

function tooLarge(): AmpError {
  return new AmpError('USAGE', `the file is larger than ${MAX_BYTES} bytes, the injection limit`, {
    hint: 'split it (e.g. `split -l 10000 events.ndjson part-`) and inject the parts',
  });
}

export function registerEmulatorInject(emulator: Command): void {
  emulator
    .command('inject')
    .description(
      "publish each non-empty line of FILE (JSON lines; '-' = stdin) into a stream of a running emulator, bytes unchanged",
    )
    .argument('<file>', "JSON lines file, or '-' for stdin")
    .requiredOption('--stream <id>', 'event stream id')
    .option('--emulator <file>', 'the JSON line `ampstream emulator --json` printed (or its --ready-file)')
    .option('--api-url <url>', "the emulator's API URL")
    .option('--client-id <id>', 'client id')
    .option('--api-key <key>', 'read & write API key')
    .option('--ca <file>', "the emulator's CA certificate (PEM)")
    .option('--json', 'print {"published":N} on stdout')
    .action(async (file, opts) => {
      const t = await readTarget(opts);
      if (!/^\d{1,15}$/.test(opts.stream))
        throw new AmpError('USAGE', `--stream "${opts.stream}" is not a stream id`);
      const body = await readBody(file);
      const { Agent, request } = await import('undici');
      const dispatcher = new Agent({ connect: { ca: await readFile(t.caPath, 'utf8') } });
      try {
        const res = await request(`${t.apiUrl}/emulator/v1/event_streams/${opts.stream}/events`, {
          method: 'POST',
          dispatcher,
          headers: {
            authorization: `Basic ${Buffer.from(`${t.clientId}:${t.apiKey}`).toString('base64')}`,
            'content-type': 'application/x-ndjson',
          },
          body,
        }).catch((e: unknown) => {
          throw new AmpError('API_NETWORK', `the emulator at ${t.apiUrl} does not answer`, {
            cause: e,
            retryable: true,
            hint: 'is `ampstream emulator` still running?',
          });
        });
        const text = await res.body.text();
        if (res.statusCode !== 202) {
          let detail = text;
          try {
            const parsed = JSON.parse(text) as { errors?: { details?: string[] }[] };
            detail = parsed.errors?.[0]?.details?.join('; ') ?? text;
          } catch {
            // not JSON: keep the text
          }
          const code =
            res.statusCode === 404
              ? 'API_NOT_FOUND'
              : res.statusCode === 401
                ? 'API_UNAUTHORIZED'
                : res.statusCode === 403
                  ? 'API_FORBIDDEN'
                  : 'EMULATOR';
          throw new AmpError(
            code,
            `injection into stream ${opts.stream} failed: HTTP ${res.statusCode}: ${detail}`,
            {
              details: { status: res.statusCode },
            },
          );
        }
        const published = (JSON.parse(text) as { data: { published: number } }).data.published;
        printData(
          opts.json === true,
          { published },
          () => `${published} event(s) published to stream ${opts.stream}`,
        );
      } finally {
        await dispatcher.close();
      }
    });
}
