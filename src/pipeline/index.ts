import { DeliveryPipeline } from './pipeline.js';
import type { Pipeline, PipelineOptions } from './types.js';

export * from './types.js';
export { DeadLetterFile, type DeadLetter } from './dead-letter.js';
export { SqliteDedupStore } from './dedup.js';
export type { DedupStore } from './dedup-store.js';

/** Build the at-least-once pipeline for one stream (see `Pipeline` for the lifecycle). */
export function createPipeline(options: PipelineOptions): Pipeline {
  return new DeliveryPipeline(options);
}
