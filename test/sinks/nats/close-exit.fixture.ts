/**
 * Child process for the nats sink test "a process exits promptly after closing the sink":
 * start the sink, write a few events, close it, print "closed", and return. The parent
 * measures how long the process then stays alive (a leftover timer keeps it running).
 */
import { natsOptionsSchema } from '../../../src/sinks/nats/config.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import { testContext } from '../http/support/context.js';
import { makeRecords } from '../http/support/records.js';

const [servers, subject, stream] = process.argv.slice(2) as [string, string, string];
const s = new NatsSink(
  natsOptionsSchema.parse({ type: 'nats', servers, subject, createStream: { name: stream } }),
  testContext('nats-exit'),
);
await s.start();
await s.write(makeRecords(10));
await s.close();
process.stdout.write('closed\n');
