/**
 * For tests: what a call ends with, as a short string to compare: 'ok', the DareError
 * code, or the name of another error (TypeError, RangeError, ...).
 */
import { isDareError } from '../errors.js';

export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return isDareError(e) ? e.code : e instanceof Error ? e.name : String(e);
  }
}
