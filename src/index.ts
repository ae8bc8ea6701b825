/**
 * ampstream as a library: the curated public surface (docs/architecture.md, Interfaces). Everything
 * else under src/ is internal and may change between versions.
 *
 *   import { SecureEndpointClient, createPipeline, getFormat } from 'ampstream';
 */

// errors
export { AmpError, ExitCode, errorCodes, isAmpError, type ErrorCode } from './errors.js';

// the event model
export type { DecodedEvent, SecureEndpointEvent } from './event/types.js';
export {
  decodeEvent,
  parseLossless,
  describePoison,
  type DecodeResult,
  type PoisonReason,
} from './event/decode.js';
export { EVENT_TYPES, eventTypeById, eventTypeClass, type EventTypeInfo } from './event/catalog.js';

// REST API v1 and stream credentials
export {
  SecureEndpointClient,
  detectRegion,
  listAll,
  parseRegion,
  amqpUrlFromCredentials,
  type SecureEndpointClientOptions,
  type AmqpCredentials,
  type Region,
  type RateLimitInfo,
} from './api/index.js';

// secrets
export { Vault, defaultVaultPath } from './secrets/vault.js';
export { createSecretResolver, type SecretResolver } from './secrets/refs.js';
export { loadStreamCredentials, saveStreamCredentials } from './secrets/credentials.js';

// consuming and delivering
export { createSource, type Source, type SourceOptions } from './source/index.js';
export { createPipeline, type Pipeline, type PipelineOptions, type Route } from './pipeline/index.js';
export { createMetrics, type Metrics } from './telemetry/metrics.js';
export { getFormat, formatNames, type Format, type FormatName } from './formats/index.js';
export { sinkFactories, registeredSinks, getSinkFactory } from './sinks/registry.js';
export type { Sink, SinkRecord, SinkFactory, SinkContext } from './sinks/types.js';

// configuration
export { loadConfig, parseConfig } from './config/load.js';
export type { AmpstreamConfig } from './config/types.js';

// the runtime: run a config without the CLI (what `ampstream run` does, minus the process)
export {
  Daemon,
  watchStopConditions,
  onStopSignals,
  evaluateHealth,
  type DaemonDeps,
  type DaemonOutcome,
  type HealthReport,
  type StopConditions,
  Backfill,
  type BackfillDeps,
  type BackfillRequest,
  type BackfillResult,
} from './daemon/index.js';
export {
  SqliteRunStateStore,
  runStatePathFor,
  type RunStateStore,
  type BackfillCheckpoint,
  type LastDelivered,
} from './pipeline/run-state.js';

// The local emulator is a separate entry point (`import { startEmulator } from
// 'ampstream/emulator'`), so library users do not load the event generator.
