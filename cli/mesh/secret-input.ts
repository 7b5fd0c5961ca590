/**
 * Secrets a `mesh` command reads: passwords (`mesh password add`, `mesh network add`) and
 * Shamir shares (`mesh account recover`). Never from the command line alone: a file
 * (`-` for stdin), else stdin when it is not a terminal, else a prompt without echo.
 * @module
 */
import { DareError } from '../../lib/index.js';
import { parseShareList } from '../../lib/mesh/index.js';
import { UsageError } from '../errors.js';
import { isStdio, readSmallInput, type Io } from '../io.js';
import { prompt } from '../passphrase.js';

/** Longest password or share list read. */
const MAX_SECRET = 64 << 10;

function stdinIsTerminal(io: Io): boolean {
  return (io.stdin as NodeJS.ReadStream).isTTY === true;
}

/** The first line of a file or of stdin, without its line ending. */
async function firstLine(io: Io, path: string, what: string): Promise<string> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await readSmallInput(io, path, MAX_SECRET));
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new DareError('MALFORMED', `${isStdio(path) ? 'stdin' : path}: no ${what} on its first line`);
  return line;
}

/**
 * A password: the first line of `file` (`-`: stdin), else of stdin when it is not a
 * terminal, else asked twice on the terminal.
 */
export async function readPassword(io: Io, file: string | undefined, what = 'password'): Promise<string> {
  if (file !== undefined) return firstLine(io, file, what);
  if (!stdinIsTerminal(io)) return firstLine(io, '-', what);
  const p = await prompt(io, `${what[0]?.toUpperCase()}${what.slice(1)}: `);
  if ((await prompt(io, `${what[0]?.toUpperCase()}${what.slice(1)} again: `)) !== p) throw new UsageError(`the ${what}s do not match`);
  if (p.length === 0) throw new UsageError(`empty ${what}`);
  return p;
}

/**
 * Shares: those on the command line, those in `file` (`-`: stdin; one a line, `#`
 * comments), and, when neither gave any, stdin when it is not a terminal, else asked one
 * at a time on the terminal until an empty line.
 */
export async function readShares(io: Io, argv: readonly string[], file: string | undefined): Promise<string[]> {
  const shares = [...argv];
  if (file !== undefined) shares.push(...parseShareList(new TextDecoder().decode(await readSmallInput(io, file, MAX_SECRET))));
  if (shares.length > 0) return shares;
  if (!stdinIsTerminal(io)) return parseShareList(new TextDecoder().decode(await readSmallInput(io, '-', MAX_SECRET)));
  for (let i = 1; ; i++) {
    const s = (await prompt(io, `Share ${i} (empty line when done): `)).trim();
    if (!s) break;
    shares.push(s);
  }
  return shares;
}
