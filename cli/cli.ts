/**
 * The `dare` command line: argument parsing with yargs, one module per command
 * under `commands/`, and one place that turns errors into a line on stderr and
 * an exit code (see exit-codes.ts). Never calls process.exit, so tests can run
 * it in-process (test/helpers/dare.ts).
 *
 * Parsing is set up once for every command, as age and gpg users type: options go
 * before, between or after the positionals; a repeatable option takes one value per
 * occurrence (`-e a.pub -e b.pub FILE`, never `-e a.pub FILE` swallowing FILE); `--`
 * ends the options (what follows is positional even when it starts with `-`); `-` is
 * stdin or stdout where a command says so and a usage error elsewhere.
 * @module
 */
import yargs from 'yargs';
import type { Argv, MiddlewareFunction } from 'yargs';
import { VERSION } from '../lib/index.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { checkOptionValues, describeUsageFailure, unescapePositionals } from './parsing.js';
import { checkStdio, positionalNames } from './stdio.js';
import { runProgram, type Program } from './shell.js';
import { commands } from './commands/index.js';

interface UsageInternals {
  getUsage(): [string, string][];
  cacheHelpMessage(): void;
}

export function buildParser(argv: string[], io: Io): Argv {
  let parser = yargs(argv)
    .scriptName('dare')
    .usage('dare <command> [options]\n\nEncrypt, sign and verify data at rest (DARE), and work with UDF fingerprints and keys.')
    .parserConfiguration({ 'greedy-arrays': false })
    .option('json', { type: 'boolean', description: 'Machine-readable output on stdout (errors as JSON on stderr)', global: true })
    .option('debug', { type: 'boolean', description: 'Show stack traces of errors', global: true, hidden: true })
    .middleware(((a: Record<string, unknown>, y: Argv) => {
      unescapePositionals(a);
      checkOptionValues(argv, y);
      const instance = (y as unknown as { getInternalMethods(): { getUsageInstance(): UsageInternals } }).getInternalMethods().getUsageInstance();
      // yargs renders the command's whole help text as each handler starts, to show it if the
      // handler fails later (~30 ms of every start, issue 20); this CLI never shows help on a
      // failure (.fail throws, report() prints one line), so the text is never used.
      instance.cacheHelpMessage = () => undefined;
      checkStdio(a, positionalNames(instance.getUsage()[0]?.[0]));
    }) as unknown as MiddlewareFunction, true)
    .strict()
    .demandCommand(1, 'a command is required')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .exitProcess(false)
    .wrap(Math.min(100, io.columns ?? 100))
    .epilogue('Exit codes: 0 ok, 1 failure, 2 usage, 3 bad input, 4 integrity failure, 5 no key, 6 I/O, 7 mismatch.\nDocumentation: README.md')
    .fail((msg, err, usage) => {
      throw err ?? new UsageError(describeUsageFailure(msg, usage, argv));
    });
  for (const c of commands(io)) parser = parser.command(c);
  return parser;
}

const DARE: Program = {
  name: 'dare',
  build: buildParser,
  passphraseSources: '--passphrase-file, --passphrase-fd, --passphrase-command or DARE_PASSPHRASE',
};

/** Runs the CLI and resolves to the process exit code. */
export function run(argv: string[], io: Io): Promise<number> {
  return runProgram(DARE, argv, io);
}
