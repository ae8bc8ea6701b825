import { AmpError } from '../errors.js';
import { fileSinkFactory } from './file/index.js';
import { httpSinkFactory } from './http/index.js';
import { natsSinkFactory } from './nats/index.js';
import { postgresSinkFactory } from './postgres/index.js';
import { splunkHecSinkFactory } from './splunk-hec/index.js';
import { stdoutSinkFactory } from './stdout/index.js';
import { syslogSinkFactory } from './syslog/index.js';
import type { SinkFactory } from './types.js';

/**
 * Every sink type, by its `type` key. The config module builds its discriminated union of
 * sink options from this list, so a sink added here appears in the YAML schema by itself.
 * One line per sink; keep the list in this order: core sinks, then the others.
 */
export const sinkFactories = [
  stdoutSinkFactory,
  fileSinkFactory,
  // more sinks (http, splunk-hec, syslog, postgres, nats, …) are added below this line
  httpSinkFactory,
  splunkHecSinkFactory,
  syslogSinkFactory,
  postgresSinkFactory,
  natsSinkFactory,
] as const;

export type SinkType = (typeof sinkFactories)[number]['type'];

export function getSinkFactory(type: string): SinkFactory {
  const f = (sinkFactories as readonly SinkFactory[]).find((s) => s.type === type);
  if (f === undefined) {
    throw new AmpError('CONFIG_INVALID', `unknown sink type "${type}"`, {
      hint: `use one of: ${sinkFactories.map((s) => s.type).join(', ')}`,
    });
  }
  return f;
}
