/**
 * What `ampstream streams …` uses from src/streams, in one module that streams.ts imports only
 * when a streams subcommand runs: registering the commands (every `ampstream` invocation, `run`
 * included) then loads none of the stream-management modules.
 */
export { createStream, recoveredError, unstoredCredentialsNotice } from '../../streams/create.js';
export { deleteStream, findStream } from '../../streams/delete.js';
export { STREAM_TABLE_HEADERS, amqpEndpoint, streamDetails, streamTableRows } from '../../streams/format.js';
export { MAX_STREAMS_PER_ORG } from '../../streams/types.js';
export { updateStream } from '../../streams/update.js';
export { describeStreams } from '../../streams/view.js';
