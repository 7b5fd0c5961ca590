/**
 * What every command-line program of this package does around its commands (`dare`, `mesh`,
 * `meshd`): `-` and `--` as Unix tools read them, secrets refused on argv, the working
 * folder of the Io, temporaries removed on a signal, help on stdout, one line per error and
 * the exit code of the README's table (report.ts), a failed stdout reported and a reader
 * that went away (`| head`) quiet. Never calls process.exit, so tests run a program in
 * process.
 * @module
 */
import type { Argv } from 'yargs';
import { UsageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { STDIO_TOKEN, ioError, type Io } from './io.js';
import { guardTemporaries } from './interrupt.js';
import { escapeAfterDoubleDash } from './parsing.js';
import { isBrokenStdout, report, type ReportOptions } from './report.js';

/** One command-line program. */
export interface Program {
  /** Its name, in messages (`mesh: error: ...`). */
  readonly name: string;
  /** The yargs parser with every command, for these arguments (after `-` and `--` handling). */
  build(argv: string[], io: Io): Argv;
  /** The passphrase sources named when `--passphrase=VALUE` is refused. */
  readonly passphraseSources: string;
  /** Further checks of the raw arguments (throw a UsageError), e.g. a password on argv. */
  refuse?(argv: readonly string[]): void;
  /** A hint for an error that has none of its own. */
  hint?: ReportOptions['hint'];
}

/** Runs `program ARGV` and resolves to the exit code. */
export async function runProgram(program: Program, argv: string[], io: Io): Promise<number> {
  // Flags after `--` are positionals, not flags.
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  const options: ReportOptions = { program: program.name, debug: flags.includes('--debug'), json: flags.includes('--json'), hint: program.hint };
  argv = escapeAfterDoubleDash(argv.map((a) => (a === '-' ? STDIO_TOKEN : a)));
  // A failed write to stdout (a full disk, a closed pipe) arrives as an 'error' event on the
  // next tick: catch it, so that it is an I/O error (exit 6) and never an unhandled event.
  let outputError: unknown;
  const onOutputError = (e: unknown) => {
    outputError ??= e;
  };
  io.stdout.on('error', onOutputError);
  if (io.stderr.listenerCount('error') === 0) io.stderr.on('error', () => undefined);
  const home = process.cwd();
  if (io.cwd !== home) process.chdir(io.cwd);
  const unguard = guardTemporaries(io);
  let code: number;
  try {
    // yargs reads `--passphrase=VALUE` as false and drops VALUE: say so instead of ignoring it.
    if (argv.some((a) => /^--passphrase=/.test(a) && !/^--passphrase=(true|false)$/.test(a))) {
      throw new UsageError(`--passphrase takes no value (a passphrase never goes on the command line): use --passphrase to be asked, ${program.passphraseSources}`);
    }
    program.refuse?.(argv);
    let helpText = '';
    await program.build(argv, io).parseAsync(argv, {}, (_err, _args, output) => {
      helpText = output;
    });
    if (helpText) io.stdout.write(helpText.endsWith('\n') ? helpText : helpText + '\n');
    code = EXIT.OK;
  } catch (e) {
    code = report(e, io, options);
  } finally {
    unguard();
    if (io.cwd !== home) process.chdir(home);
  }
  await new Promise((resolve) => setImmediate(resolve));
  io.stdout.off('error', onOutputError);
  if (outputError !== undefined && code === EXIT.OK && !isBrokenStdout(outputError)) code = report(ioError(outputError, 'stdout'), io, options);
  return code;
}
