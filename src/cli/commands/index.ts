import type { Command } from '@commander-js/extra-typings';
import { registerBackfill } from './backfill.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerConvert } from './convert.js';
import { registerDeadLetters } from './dead-letters.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerEmulator } from './emulator.js';
import { registerEventTypes } from './event-types.js';
import { registerGroups } from './groups.js';
import { registerLogin } from './login.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerStreams } from './streams.js';
import { registerTail } from './tail.js';
import { registerVault } from './vault.js';

/**
 * Every top-level command registers itself on the program. One module per command (or
 * noun); this list is the only place that knows them all.
 */
export type Register = (program: Command) => void;

export const commands: readonly Register[] = [
  registerConfig,
  registerConvert,
  registerDeadLetters,
  registerEmulator,
  registerLogin,
  registerStreams,
  registerPlan,
  registerEventTypes,
  registerGroups,
  registerVault,
  registerRun,
  registerBackfill,
  registerTail,
  registerDemo,
  registerDoctor,
  registerCompletion,
];
