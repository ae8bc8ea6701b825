import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type Command, Option } from '@commander-js/extra-typings';
import { AmpError, ExitCode } from '../../errors.js';
import { decodeEvent, describePoison } from '../../event/decode.js';
import { getFormat } from '../../formats/index.js';
import { parseDeadLetter } from '../../pipeline/dead-letter-read.js';
import { escapeControl } from '../../util/terminal.js';
import { prettyJson } from '../../formats/pretty.js';
import { formatNames, type FormatName } from '../../formats/types.js';

/**
 * `ampstream convert --format raw|ecs|ocsf|cef [FILE]`: read events as JSON lines (a file, or
 * stdin when FILE is absent or `-`; e.g. a `file` sink's JSONL output or a `/v1/events` dump
 * flattened with jq), write one formatted record per line to stdout. Lines that are not events
 * are reported on stderr with their line number and skipped; the exit code is then 65
 * (EX_DATAERR). Streams line by line: memory does not grow with the input.
 */

/** Flush stdout in chunks of about this many characters (fewer write calls than one per line). */
const FLUSH_CHARS = 64 * 1024;
/** Report at most this many bad lines individually; the rest are counted. */
const MAX_REPORTED = 100;

export interface ConvertOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly errors: Writable;
  readonly format: FormatName;
  readonly pretty: boolean;
}

export interface ConvertResult {
  readonly converted: number;
  readonly bad: number;
  /** The output closed early (EPIPE: `| head`): stopped reading, not an error. */
  readonly outputClosed: boolean;
}

export async function convertStream(o: ConvertOptions): Promise<ConvertResult> {
  const format = getFormat(o.format);
  const pretty = o.pretty && format.kind === 'json';
  let converted = 0;
  let bad = 0;
  let lineNo = 0;
  let chunk = '';
  let closed = false;
  let writeError: NodeJS.ErrnoException | undefined;
  const onError = (e: NodeJS.ErrnoException): void => {
    closed = true;
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') writeError ??= e;
  };
  o.output.on('error', onError);
  const rl = createInterface({ input: o.input, crlfDelay: Infinity });
  const flush = async (): Promise<void> => {
    if (chunk.length === 0 || closed) return;
    const ok = o.output.write(chunk);
    chunk = '';
    if (!ok && !closed) await waitDrain(o.output, () => closed);
  };
  try {
    for await (const line of rl) {
      lineNo++;
      if (closed) break;
      if (line.trim().length === 0) continue;
      // a dead-letter line stands for its original bytes (base64 `body`)
      const letter = parseDeadLetter(line);
      const decoded = decodeEvent(
        letter === undefined ? Buffer.from(line, 'utf8') : Buffer.from(letter.body, 'base64'),
      );
      if (!decoded.ok) {
        bad++;
        if (bad <= MAX_REPORTED)
          o.errors.write(`line ${lineNo}: ${escapeControl(describePoison(decoded.reason))}; skipped\n`);
        continue;
      }
      let record: string | Buffer;
      try {
        record = format.render(decoded.value);
      } catch (e) {
        bad++;
        if (bad <= MAX_REPORTED)
          o.errors.write(
            `line ${lineNo}: the ${o.format} format cannot render this event (${escapeControl((e as Error).message)}); skipped\n`,
          );
        continue;
      }
      const text = typeof record === 'string' ? record : record.toString('utf8');
      chunk += (pretty ? prettyJson(text) : text) + '\n';
      converted++;
      if (chunk.length >= FLUSH_CHARS) await flush();
    }
    await flush();
  } finally {
    rl.close();
    o.output.off('error', onError);
    if (closed) o.input.destroy();
  }
  if (writeError !== undefined) {
    throw new AmpError(
      'INTERNAL',
      `cannot write the converted records (${writeError.code ?? writeError.message})`,
      { cause: writeError },
    );
  }
  if (bad > MAX_REPORTED) o.errors.write(`… ${bad - MAX_REPORTED} more bad lines not shown\n`);
  return { converted, bad, outputClosed: closed };
}

function waitDrain(out: Writable, isClosed: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    if (isClosed()) return resolve();
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

async function openInput(file: string | undefined): Promise<Readable> {
  if (file === undefined || file === '-') return process.stdin;
  try {
    const fh = await open(file, 'r');
    const st = await fh.stat();
    if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) {
      await fh.close();
      throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' });
    }
    return fh.createReadStream();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AmpError('USAGE', `cannot read ${file} (${code ?? 'error'})`, {
      hint: 'give a readable JSON-lines file, or pipe the events on stdin',
      cause: e,
    });
  }
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(
      'convert events (JSON lines, from FILE or stdin) to an output format, one record per line on stdout',
    )
    .argument('[file]', 'JSON-lines file of events (default: stdin)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(formatNames).makeOptionMandatory(),
    )
    .option('--pretty', 'indent JSON records for reading (raw, ecs, ocsf); not one line per record', false)
    .action(async (file, opts) => {
      const input = await openInput(file);
      const result = await convertStream({
        input,
        output: process.stdout,
        errors: process.stderr,
        format: opts.format,
        pretty: opts.pretty,
      });
      if (result.bad > 0) {
        process.stderr.write(`convert: ${result.bad} bad line(s) skipped, ${result.converted} converted\n`);
        process.exitCode = ExitCode.DATAERR;
      }
    });
}
