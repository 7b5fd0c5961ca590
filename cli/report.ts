/**
 * Errors as the user sees them: one line on stderr (`dare: error: ...`, perhaps a
 * `dare: hint: ...`), or with --json one JSON object on stderr, and the exit code of the
 * README's table (exit-codes.ts). The same for every program of the package.
 * @module
 */
import { isDareError, type DareError } from '../lib/index.js';
import { HintedError, UsageError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { Io } from './io.js';

/** True for a write to stdout that failed because its reader went away (`| head`). */
export function isBrokenStdout(e: unknown): boolean {
  const code = (x: unknown) => (x as NodeJS.ErrnoException | undefined)?.code;
  if (code(e) === 'EPIPE') return true;
  return isDareError(e, 'IO') && code(e.cause) === 'EPIPE' && e.message.startsWith('stdout:');
}

interface Reported {
  exit: number;
  code: string;
  message: string;
  hint?: string;
}

export interface ReportOptions {
  /** The program's name, at the start of each line. */
  readonly program: string;
  /** Print the stack trace too. */
  readonly debug: boolean;
  /** One JSON object on stderr instead of lines. */
  readonly json: boolean;
  /** A program's hint for an error that carries none. */
  readonly hint?: (e: DareError) => string | undefined;
}

function classify(e: unknown, o: ReportOptions): Reported {
  if (e instanceof UsageError || (e instanceof Error && e.name === 'YError')) {
    // yargs' own validation errors arrive as YError.
    return { exit: EXIT.USAGE, code: 'USAGE', message: e.message, hint: `see \`${o.program} --help\`` };
  }
  if (isDareError(e)) return { exit: exitCodeFor(e.code), code: e.code, message: e.message, hint: e instanceof HintedError ? e.hint : o.hint?.(e) };
  // Misuse of the library by a command line value (an out-of-range number, say) is a usage error.
  if (e instanceof RangeError) return { exit: EXIT.USAGE, code: 'USAGE', message: e.message };
  return {
    exit: EXIT.FAILURE, code: 'BUG', message: e instanceof Error ? e.message : String(e),
    hint: o.debug ? undefined : `this is a bug in ${o.program}; rerun with --debug and report the trace`,
  };
}

/** Reports `e` on stderr and returns the exit code; a broken stdout is no error (exit 0, nothing said). */
export function report(e: unknown, io: Io, o: ReportOptions): number {
  if (isBrokenStdout(e)) return EXIT.OK;
  if (o.debug && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
  const r = classify(e, o);
  // One line per message: yargs writes some of its messages over several lines.
  const line = (t: string) => t.trim().replace(/\s*\n\s*/g, ' ');
  if (o.json) {
    io.stderr.write(JSON.stringify({ error: { code: r.code, exit: r.exit, message: line(r.message), ...(r.hint ? { hint: r.hint } : {}) } }) + '\n');
  } else {
    io.stderr.write(`${o.program}: error: ${line(r.message)}\n`);
    if (r.hint) io.stderr.write(`${o.program}: hint: ${line(r.hint)}\n`);
  }
  return r.exit;
}
