import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from '@commander-js/extra-typings';
import { compileFilter, loadConfig } from '../../config/index.js';
import { AmpError, ExitCode, toAmpError } from '../../errors.js';
import { decodeEvent, describePoison } from '../../event/decode.js';
import { eventKey } from '../../event/key.js';
import type { DecodedEvent } from '../../event/types.js';
import { getFormat } from '../../formats/index.js';
import type { DeadLetter } from '../../pipeline/dead-letter.js';
import { deadLetterBody, parseDeadLetter } from '../../pipeline/dead-letter-read.js';
import { createSecretResolver, openVaultReader } from '../../secrets/refs.js';
import type { Sink, SinkRecord } from '../../sinks/types.js';
import { silentLogger } from '../../telemetry/logger.js';
import { escapeControl } from '../../util/terminal.js';
import { getSinkFactory, registeredSinks } from '../../sinks/registry.js';
import { notice, printData, table } from '../output.js';

/**
 * `ampstream dead-letters list|show|replay`: what was set aside, and putting it back once the
 * cause is fixed. `replay` sends the original bytes of each dead letter through the same
 * decode, filters and formats into the configured sinks (only the letter's own sink for a
 * `sink-rejected` or `format-failed` letter); it never edits the file: what could not be
 * replayed is listed, and the file can be archived once everything went through.
 */

interface Numbered {
  readonly n: number;
  readonly letter: DeadLetter;
}

async function readLetters(path: string): Promise<{ letters: Numbered[]; other: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new AmpError(
      'USAGE',
      `cannot read the dead-letter file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: e,
        hint: 'give --file PATH, or --config with the deadLetter.path of the daemon',
      },
    );
  }
  const letters: Numbered[] = [];
  let other = 0;
  let n = 0;
  try {
    for await (const line of createInterface({ input: fh.createReadStream(), crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      n++;
      const l = parseDeadLetter(line);
      if (l === undefined) other++;
      else letters.push({ n, letter: l });
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
  return { letters, other };
}

async function filePath(opts: { file?: string; config?: string }): Promise<string> {
  if (opts.file !== undefined) return opts.file;
  const { config } = await loadConfig({
    factories: registeredSinks,
    ...(opts.config === undefined ? {} : { path: opts.config }),
  });
  return config.deadLetter.path;
}

export function registerDeadLetters(program: Command): void {
  const dl = program
    .command('dead-letters')
    .description('list, show and replay the dead-letter file (events set aside, with their original bytes)');

  letterFileCommand(dl, 'list', 'one line per dead letter: number, time, kind, event key, reason')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const path = await filePath(opts);
      const { letters, other } = await readLetters(path);
      const rows = letters.map(({ n, letter: l }) => ({
        n,
        time: l.time,
        kind: l.kind,
        ...(l.route === undefined ? {} : { sink: l.route }),
        ...(l.eventId === undefined ? {} : { eventKey: l.eventId }),
        reason: l.reason,
      }));
      printData(opts.json === true, { path, count: rows.length, letters: rows }, () =>
        rows.length === 0
          ? `(no dead letters in ${path})`
          : table(
              ['#', 'TIME', 'KIND', 'SINK', 'EVENT KEY', 'REASON'],
              rows.map((r) => [
                String(r.n),
                r.time,
                r.kind,
                r.sink ?? '',
                r.eventKey ?? '',
                r.reason.slice(0, 120),
              ]),
            ),
      );
      if (other > 0) notice(`${other} line(s) of ${path} are not dead letters`);
    });

  letterFileCommand(dl, 'show', 'print one dead letter: its metadata, then its original message bytes')
    .argument('<n>', 'its number in `dead-letters list`')
    .option('--body', 'print only the original message bytes (e.g. `| jq .`)')
    .action(async (n, opts) => {
      const path = await filePath(opts);
      const { letters } = await readLetters(path);
      const found = letters.find((l) => String(l.n) === n.trim());
      if (found === undefined)
        throw new AmpError('USAGE', `no dead letter #${n} in ${path} (${letters.length} there)`, {
          hint: 'see the numbers with `ampstream dead-letters list`',
        });
      const body = deadLetterBody(found.letter);
      if (opts.body === true) {
        process.stdout.write(body);
        process.stdout.write('\n');
        return;
      }
      const { body: _b, ...meta } = found.letter;
      process.stdout.write(`${JSON.stringify(meta, null, 2)}\n`);
      process.stdout.write(`${escapeControl(body.toString('utf8'), { keepNewlines: true })}\n`);
    });

  dl.command('replay')
    .description('send the original events into the configured sinks again (after the cause is fixed)')
    .option('--file <path>', 'dead-letter file (default: deadLetter.path of the config)')
    .option(
      '-c, --config <file>',
      'config file with the sinks (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)',
    )
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { config } = await loadConfig({
        factories: registeredSinks,
        ...(opts.config === undefined ? {} : { path: opts.config }),
      });
      const path = opts.file ?? config.deadLetter.path;
      const { letters } = await readLetters(path);
      const resolveSecret = createSecretResolver({ vault: openVaultReader() });
      const routes = config.sinks.map((sc) => {
        const factory = getSinkFactory(sc.type);
        if (
          (sc.filter?.groups?.length ?? 0) > 0 &&
          sc.filter?.groups?.some((g) => !/^[0-9a-f-]{36}$/i.test(g))
        )
          throw new AmpError('USAGE', `sink "${sc.name}" filters by group names`, {
            hint: 'replay needs group GUIDs in filter.groups (`ampstream groups` lists them)',
          });
        const format = getFormat(sc.format);
        const sink: Sink = factory.create(sc.options, {
          name: sc.name,
          format,
          logger: silentLogger,
          resolveSecret,
        });
        return { name: sc.name, sink, format, filter: compileFilter(sc.filter, sc.filter?.groups) };
      });
      const events: { n: number; letter: DeadLetter; event: DecodedEvent }[] = [];
      const stillBad: { n: number; reason: string }[] = [];
      for (const { n, letter } of letters) {
        const r = decodeEvent(deadLetterBody(letter));
        if (r.ok) events.push({ n, letter, event: r.value });
        else stillBad.push({ n, reason: describePoison(r.reason) });
      }
      const written = new Map<string, number>();
      try {
        for (const r of routes) {
          const mine = events.filter(
            (e) =>
              (e.letter.route === undefined || e.letter.route === r.name) &&
              (r.filter === undefined || r.filter(e.event.event)),
          );
          if (mine.length === 0) continue;
          await r.sink.start();
          const records: SinkRecord[] = [];
          for (const e of mine) {
            try {
              records.push({ event: e.event, payload: r.format.render(e.event) });
            } catch (err) {
              stillBad.push({ n: e.n, reason: `sink "${r.name}": ${toAmpError(err).message}` });
            }
          }
          await r.sink.write(records);
          written.set(r.name, records.length);
        }
      } finally {
        for (const r of routes) await r.sink.close().catch(() => undefined);
      }
      const data = {
        path,
        letters: letters.length,
        replayed: events.length,
        written: Object.fromEntries(written),
        notReplayed: stillBad,
        keys: events.map((e) => eventKey(e.event)),
      };
      printData(opts.json === true, data, () =>
        [
          `replayed ${events.length} of ${letters.length} dead letter(s) from ${path}`,
          ...[...written].map(([s, k]) => `  ${s}: ${k} written`),
          ...stillBad.map((b) => `  #${b.n} not replayed: ${b.reason}`),
          stillBad.length === 0 ? `every event went through: ${path} can be archived` : '',
        ]
          .filter((l) => l !== '')
          .join('\n'),
      );
      if (stillBad.length > 0) process.exitCode = ExitCode.DATAERR;
    });
}

/** A subcommand that reads the dead-letter file: --file, else deadLetter.path of --config. */
function letterFileCommand(dl: Command, name: string, description: string) {
  return dl
    .command(name)
    .description(description)
    .option('--file <path>', 'dead-letter file (default: deadLetter.path of the config)')
    .option('-c, --config <file>', 'config file (default: $AMPSTREAM_CONFIG or ./ampstream.yaml)');
}
