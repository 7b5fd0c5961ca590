/**
 * The `mesh` command line: a personal Mathematical Mesh on this device (docs/MESH.md §8),
 * thin over lib/mesh. One module per command group; errors become one line on stderr and an
 * exit code of the README table (`dare`'s, plus 8 = refused by a Mesh service and
 * 9 = service unreachable, for the service commands). Never calls process.exit, so tests
 * run it in process: `run(argv, io)`.
 * @module
 */
import yargs from 'yargs';
import type { Argv, CommandModule, MiddlewareFunction } from 'yargs';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { unescapePositionals } from '../parsing.js';
import { runProgram, type Program } from '../shell.js';
import { PASSPHRASE_ENV, globalOptions } from './context.js';
import { deviceCommand } from './device.js';
import { accountCommand } from './account.js';
import { passwordCommand } from './password.js';
import { bookmarkCommand } from './bookmark.js';
import { calendarCommand } from './calendar.js';
import { networkCommand } from './network.js';
import { contactCommand } from './contact.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MeshCommand = CommandModule<any, any>;

const EPILOGUE = [
  'Exit codes: 0 ok, 1 failure (no such entry, a conflict, the home in use), 2 usage, 3 bad input,',
  '4 integrity (a signature or profile that does not verify), 5 no key (wrong passphrase, too few or',
  'wrong shares), 6 I/O, 7 mismatch, 8 refused by a Mesh service, 9 service unreachable.',
  'The home: --home DIR, else $MESH_HOME, else ~/.mesh. The passphrase of its key store:',
  `--passphrase-file F, --passphrase-fd N, --passphrase-command CMD, --passphrase or ${PASSPHRASE_ENV}.`,
  'Documentation: README.md "Your personal Mesh", docs/MESH.md',
].join('\n');

/** Global options that take a value: the word after them is not the command. */
const VALUED = new Set(['--home', '--account', '--passphrase-file', '--passphrase-fd', '--passphrase-command']);

/** The first word of the command line that is neither an option nor an option's value. */
function firstWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i] as string;
    if (VALUED.has(x)) i++;
    else if (!x.startsWith('-')) return x;
  }
  return undefined;
}

const GROUPS: readonly [string, (io: Io) => MeshCommand][] = [
  ['device', deviceCommand], ['account', accountCommand], ['password', passwordCommand], ['bookmark', bookmarkCommand],
  ['calendar', calendarCommand], ['network', networkCommand], ['contact', contactCommand],
];

export function buildParser(argv: string[], io: Io): Argv {
  let parser = globalOptions(yargs(argv)
    .scriptName('mesh')
    .usage('mesh <group> <command> [options]\n\nYour personal Mathematical Mesh on this device: an account, its passwords, bookmarks, contacts, calendar and network settings, each catalog encrypted under its own key, and escrow of the whole account in Shamir shares.'))
    .option('debug', { type: 'boolean', description: 'Show stack traces of errors', global: true, hidden: true })
    .parserConfiguration({ 'greedy-arrays': false })
    .middleware(((a: Record<string, unknown>) => unescapePositionals(a)) as unknown as MiddlewareFunction, true)
    .strict()
    .demandCommand(1, 'a command group is required')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .wrap(Math.min(110, io.columns ?? 110))
    .epilogue(EPILOGUE)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  // Only the group named is set up (yargs builds the help of every command it knows on each
  // parse: about 40 ms of `mesh password get`); all of them for --help, a typo, or none.
  const groups = GROUPS.filter(([name]) => name === firstWord(argv));
  for (const [, make] of groups.length ? groups : GROUPS) parser = parser.command(make(io));
  return parser;
}

const MESH: Program = {
  name: 'mesh',
  build: buildParser,
  passphraseSources: `--passphrase-file, --passphrase-fd, --passphrase-command or ${PASSPHRASE_ENV}`,
  refuse(argv) {
    if (argv.some((a) => /^--password(=|$)/.test(a))) throw new UsageError('a password never goes on the command line: use --password-file FILE, stdin, or the prompt');
  },
  hint(e) {
    if (e.code === 'PASSPHRASE_INVALID' && /protected/.test(e.message)) return `give --passphrase-file F, --passphrase-fd N, --passphrase-command CMD, --passphrase or ${PASSPHRASE_ENV}`;
    return undefined;
  },
};

/** Runs `mesh ARGV` and resolves to the exit code. */
export function run(argv: string[], io: Io): Promise<number> {
  return runProgram(MESH, argv, io);
}
