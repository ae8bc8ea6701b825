export { LeaseKeeper, type LeaseHooks, type LeaseKeeperOptions } from './keeper.js';
export { LeaseGauge } from './metrics.js';
export { planLeases, preferenceOrder, targetCount, type LeasePlan } from './plan.js';
export { LeaseStore, type LeaseRow, type LeaseStoreOptions } from './store.js';
export {
  DEFAULT_ORG,
  fenceAfterMs,
  keyString,
  type HeldLease,
  type LeaseKey,
  type LeaseTimings,
  type LossReason,
} from './types.js';
