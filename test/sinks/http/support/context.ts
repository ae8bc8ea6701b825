import { pino } from 'pino';
import { createSecretResolver } from '../../../../src/secrets/refs.js';
import type { Format } from '../../../../src/formats/types.js';
import type { SinkContext } from '../../../../src/sinks/types.js';
import { rawFormat } from './records.js';

/**
 * A SinkContext for tests: secrets from the given env map only, and a logger that keeps every
 * line so tests can assert that secrets never reach the logs.
 */
export function testContext(
  name: string,
  options: { format?: Format; env?: Record<string, string> } = {},
): SinkContext & { readonly logLines: string[] } {
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  return {
    name,
    format: options.format ?? rawFormat,
    logger,
    resolveSecret: createSecretResolver({ env: options.env ?? {} }),
    logLines,
  };
}
