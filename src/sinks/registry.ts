import { AmpError } from '../errors.js';
import { fileSinkFactory } from './file/index.js';
import { httpSinkFactory } from './http/factory.js';
import { natsSinkFactory } from './nats/factory.js';
import { postgresSinkFactory } from './postgres/factory.js';
import { splunkHecSinkFactory } from './splunk-hec/factory.js';
import { stdoutSinkFactory } from './stdout/index.js';
import { syslogSinkFactory } from './syslog/factory.js';
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

/** The same list, seen through the sink contract (what the config loader and the daemon take). */
export const registeredSinks = sinkFactories as unknown as readonly SinkFactory[];

/** The one sink lookup by `type` (in the registered sinks, or in the factories a caller injects). */
export function getSinkFactory(
  type: string,
  factories: readonly SinkFactory[] = registeredSinks,
): SinkFactory {
  const f = factories.find((s) => s.type === type);
  if (f === undefined) {
    throw new AmpError('CONFIG_INVALID', `unknown sink type "${type}"`, {
      hint: `use one of: ${factories.map((s) => s.type).join(', ')}`,
    });
  }
  return f;
}
