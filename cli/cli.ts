/**
 * The `dare` command line: argument parsing with yargs, one module per command
 * under `commands/`, and one place that turns errors into a line on stderr and
 * an exit code (see exit-codes.ts). Never calls process.exit, so tests can run
 * it in-process.
 * @module
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { isDareError } from '../lib/index.js';
import { HintedError, UsageError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { STDIO_TOKEN, ioError, type Io } from './io.js';
import { commands } from './commands/index.js';

export function buildParser(argv: string[], io: Io): Argv {
  let parser = yargs(argv)
    .scriptName('dare')
    .usage('dare <command> [options]\n\nEncrypt, sign and verify data at rest (DARE), and work with UDF fingerprints and keys.')
    .option('json', { type: 'boolean', description: 'Machine-readable output on stdout', global: true })
    .option('debug', { type: 'boolean', description: 'Show stack traces of errors', global: true, hidden: true })
    .strict()
    .demandCommand(1, 'a command is required')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .epilogue('Exit codes: 0 ok, 1 failure, 2 usage, 3 bad input, 4 integrity failure, 5 no key, 6 I/O, 7 mismatch.\nDocumentation: README.md')
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  for (const c of commands(io)) parser = parser.command(c);
  return parser;
}

/** Runs the CLI and resolves to the process exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  argv = argv.map((a) => (a === '-' ? STDIO_TOKEN : a));
  // yargs reads `--passphrase=VALUE` as false and drops VALUE: say so instead of ignoring it.
  const inline = argv.find((a) => /^--passphrase=/.test(a) && !/^--passphrase=(true|false)$/.test(a));
  // A failed write to stdout (a full disk, a closed pipe) arrives as an 'error' event on the
  // next tick: catch it, so that it is an I/O error (exit 6) and never an unhandled event.
  let outputError: unknown;
  const onOutputError = (e: unknown) => {
    outputError ??= e;
  };
  io.stdout.on('error', onOutputError);
  if (io.stderr.listenerCount('error') === 0) io.stderr.on('error', () => undefined);
  let code: number;
  try {
    if (inline) throw new UsageError('--passphrase takes no value (a passphrase never goes on the command line): use --passphrase to be asked, --passphrase-file, --passphrase-fd, --passphrase-command or DARE_PASSPHRASE');
    let helpText = '';
    await buildParser(argv, io).parseAsync(argv, {}, (_err, _args, output) => {
      helpText = output;
    });
    if (helpText) io.stdout.write(helpText.endsWith('\n') ? helpText : helpText + '\n');
    code = EXIT.OK;
  } catch (e) {
    code = report(e, io, debug);
  }
  await new Promise((resolve) => setImmediate(resolve));
  io.stdout.off('error', onOutputError);
  if (outputError !== undefined && code === EXIT.OK) code = report(ioError(outputError, 'stdout'), io, debug);
  return code;
}

function report(e: unknown, io: Io, debug: boolean): number {
  // One line per message: yargs writes some of its messages over several lines.
  const say = (kind: string, text: string) => io.stderr.write(`dare: ${kind}: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
  if (e instanceof UsageError) {
    say('error', e.message);
    say('hint', 'see `dare --help`');
    return EXIT.USAGE;
  }
  if (isDareError(e)) {
    say('error', e.message);
    if (e instanceof HintedError) say('hint', e.hint);
    return exitCodeFor(e.code);
  }
  // yargs validation errors arrive as plain Errors from its own checks.
  if (e instanceof Error && e.name === 'YError') {
    say('error', e.message);
    say('hint', 'see `dare --help`');
    return EXIT.USAGE;
  }
  say('error', e instanceof Error ? e.message : String(e));
  if (!debug) say('hint', 'this is a bug in dare; rerun with --debug and report the trace');
  return EXIT.FAILURE;
}
