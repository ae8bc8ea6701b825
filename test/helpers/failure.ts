import { isAmpError, type AmpError } from '../../src/errors.js';

/** The AmpError a promise rejects with; anything else (or no rejection) fails the test. */
export async function failure(p: Promise<unknown>): Promise<AmpError> {
  try {
    await p;
  } catch (e) {
    if (isAmpError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
