import pino, { type Logger } from 'pino';
import { PINO_REDACT_PATHS } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  /** pino level chosen by flags or config: wins over AMPSTREAM_LOG_LEVEL (flags > env) */
  readonly level?: string;
  /** (default='info') level when neither `level` nor a non-empty AMPSTREAM_LOG_LEVEL is given */
  readonly defaultLevel?: string;
  /** (default=stderr is a TTY) pretty, human output instead of JSON lines */
  readonly pretty?: boolean;
}

/**
 * The process logger: pino JSON lines on **stderr** (stdout carries data only, so
 * `ampstream tail --json | jq` works), secrets redacted, pretty when stderr is a terminal.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fromEnv = process.env['AMPSTREAM_LOG_LEVEL'];
  const level =
    options.level ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : (options.defaultLevel ?? 'info'));
  const redact = { paths: PINO_REDACT_PATHS, censor: '***' };
  const pretty = options.pretty ?? process.stderr.isTTY;
  if (pretty) {
    return pino({
      level,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, redact }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything: the default where none is injected (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
