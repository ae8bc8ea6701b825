/** Stream lifecycle on top of the API client: create (credentials stored first), list, show, update, delete. */
export {
  createStream,
  recoveredError,
  type CreateStreamInput,
  type CreateStreamOptions,
  type CreateStreamOutcome,
} from './create.js';
export { deleteStream, findStream, type DeleteStreamOutcome } from './delete.js';
export { resolveEventTypes, resolveGroups, resolveStream } from './resolve.js';
export { didYouMean, editDistance, suggest } from './suggest.js';
export { MAX_STREAMS_PER_ORG, type CredentialsStatus, type StreamsApi, type VaultState } from './types.js';
export { updateStream, type UpdateStreamInput } from './update.js';
export { credentialsStatus, describeStreams, type StreamView } from './view.js';
