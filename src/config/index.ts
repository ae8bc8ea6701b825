/** The YAML configuration of the daemon: schema, loading with line-numbered errors, overrides. */
export * from './defaults.js';
export {
  compileFilter,
  eventTypeId,
  groupNamesIn,
  isGuid,
  severities,
  type EventPredicate,
  type FilterConfig,
} from './filter.js';
export {
  configError,
  configPathFrom,
  formatIssue,
  loadConfig,
  parseConfig,
  parseListen,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { formatPath, locate } from './locate.js';
export { applyOverrides, overrideSpecs, type ConfigFlags, type OverrideKey } from './overrides.js';
export { DEFAULT_ORG, buildConfigSchema, configJsonSchema } from './schema.js';
export { collectSecretRefs, findPlainSecrets, secretRef } from './secrets.js';
export type * from './types.js';
