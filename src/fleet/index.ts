export { LeaseKeeper, type LeaseHooks, type LeaseKeeperOptions } from './keeper.js';
export { LeaseGauge } from './metrics.js';
export { planLeases, preferenceOrder, targetCount, type LeasePlan } from './plan.js';
export { LeaseStore, type LeaseRow, type LeaseStoreOptions } from './store.js';
export * from './types.js';
