import { AmpError, ExitCode } from '../errors.js';

/**
 * Ask for a secret on a terminal without echoing it. The question goes to stderr (stdout is
 * for data). Only works when the input is a TTY: callers decide that before asking.
 */
export type SecretPrompt = (question: string) => Promise<string>;

interface TtyInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  isRaw?: boolean;
}

export function createHiddenPrompt(
  input: TtyInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): SecretPrompt {
  return (question) =>
    new Promise<string>((resolve, reject) => {
      const wasRaw = input.isRaw === true;
      input.setRawMode?.(true);
      input.setEncoding('utf8');
      input.resume();
      output.write(question);
      let value = '';
      const finish = (err?: AmpError): void => {
        input.removeListener('data', onData);
        input.setRawMode?.(wasRaw);
        input.pause();
        output.write('\n');
        if (err === undefined) resolve(value);
        else reject(err);
      };
      const onData = (chunk: string | Buffer): void => {
        for (const ch of String(chunk)) {
          const code = ch.charCodeAt(0);
          if (ch === '\r' || ch === '\n' || code === 4 /* Ctrl+D */) return finish();
          if (code === 3 /* Ctrl+C */) {
            return finish(new AmpError('USAGE', 'cancelled', { exitCode: ExitCode.INTERRUPTED }));
          }
          if (code === 127 || code === 8) value = value.slice(0, -1);
          else if (code >= 32) value += ch;
        }
      };
      input.on('data', onData);
    });
}
