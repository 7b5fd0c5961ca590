/**
 * Errors the CLI itself raises, beside the library's DareError.
 * @module
 */
import { DareError } from '../lib/index.js';

/** A command-line mistake: printed with a usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A DareError with an extra `dare: hint:` line for the user. */
export class HintedError extends DareError {
  readonly hint: string;
  constructor(base: DareError, hint: string) {
    super(base.code, base.message, { cause: base.cause });
    this.hint = hint;
  }
}
