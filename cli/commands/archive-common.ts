/**
 * Shared pieces of the archive commands: the help of their key options, `-` for an
 * archive read from stdin or written to stdout (spooled through a private temporary
 * file, because an archive is read and written by position), names of added paths,
 * progress and listing format.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IndexEntry } from '../../lib/index.js';
import { ioError, isStdio, writeOutput, type Io } from '../io.js';
import type { ReadKeyArgs, ReadKeySpec } from '../keys.js';
import { progressEnabled, rateAndEta } from '../progress.js';
import { UsageError } from '../errors.js';

export interface ReadArgs extends ReadKeyArgs {
  json?: boolean;
  force?: boolean;
}

/** The key options of the commands that change an archive (no --signer). */
export const ARCHIVE_KEYS: ReadKeySpec = {
  subject: 'the archive',
  allowUnauthenticated: 'read encrypted frames that carry no MAC',
};

/** The key options of the commands that change an existing archive: --signer says whom to trust. */
export const ARCHIVE_WRITE_KEYS: ReadKeySpec = {
  ...ARCHIVE_KEYS,
  signer: 'trust the archive when this key signed it, as --sign\'s own key: its recipients are followed and its frames built on',
};

/**
 * The hint for a writer that refused what it does not trust (lib/sequence/trust.ts): how to
 * review frames after the last trusted signature, or whom to trust.
 */
export function trustHint(file: string, message: string, kind: 'archive' | 'log' | 'mirror'): string {
  const frames = /frames? (\d+)(?:-(\d+))? (?:was|were) not written by this session/.exec(message);
  if (frames) {
    const review = kind === 'archive'
      ? `\`dare list ${file} -i KEY --json\` (entries with "frame" ${frames[1]} or more) or \`dare verify ${file}\``
      : kind === 'log' ? `\`dare log show ${file} -i KEY --from ${frames[1]}\`` : `\`dare status ${file} -i KEY --log\``;
    return `review ${frames[2] ? 'them' : 'it'} with ${review}, then run again with --adopt to vouch for ${frames[2] ? 'them' : 'it'}; or give --signer KEY if a key you trust signed ${frames[2] ? 'them' : 'it'}`;
  }
  return kind === 'mirror'
    ? 'the mirror is not signed by the key given with --sign'
    : 'give --signer KEY (the key that signed it), --sign KEY if it was your key, or the recipients again with -e';
}

/** The key options of the commands that read an archive: with --signer. */
export const ARCHIVE_READ_KEYS: ReadKeySpec = {
  ...ARCHIVE_KEYS,
  signer: 'fail (exit 4) unless one of them signed the archive',
};

/** Runs `fn` on a local path for ARCHIVE, spooling stdin to a private temporary file for `-`. */
export async function withArchiveInput<T>(io: Io, path: string, fn: (file: string) => Promise<T>): Promise<T> {
  if (!isStdio(path)) return fn(path);
  const dir = await mkdtemp(join(tmpdir(), 'dare-'));
  try {
    const file = join(dir, 'stdin.dare');
    try {
      await pipeline(io.stdin, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      throw ioError(e, 'stdin');
    }
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` on a local path for OUT; for `-` the finished archive is then copied to stdout. */
export async function withArchiveOutput<T>(io: Io, path: string, fn: (file: string) => Promise<T>): Promise<T> {
  if (!isStdio(path)) return fn(path);
  const dir = await mkdtemp(join(tmpdir(), 'dare-'));
  try {
    const file = join(dir, 'out.dare');
    const r = await fn(file);
    await writeOutput(io, '-', createReadStream(file), false);
    return r;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The archive name of a command-line path: its last component ("src/app" is stored as
 * "app/..."), or for "." and "DIR/." the directory's contents at the top level.
 */
export function inputName(arg: string): string | undefined {
  if (arg === '.' || arg.endsWith('/.')) return undefined;
  const name = basename(resolve(arg));
  if (!name || name === '/') throw new UsageError(`${arg}: cannot archive the root directory by name; use "${arg.replace(/\/*$/, '')}/." for its contents`);
  return name;
}

/**
 * A progress line on stderr ("extracting: 120 of 400 entries, 3.4 of 10.0 MiB, 5.1 MiB/s, 2 s
 * left", or without the totals when they are not known), only when it is a terminal.
 */
export function entryProgress(io: Io, a: { quiet?: boolean; json?: boolean }, label: string, total?: { entries: number; bytes: number }) {
  const on = progressEnabled(io, a);
  let n = 0;
  let bytes = 0;
  let last = 0;
  let shown = false;
  const started = Date.now();
  return {
    tick(size: number) {
      n++;
      bytes += size;
      const now = Date.now();
      if (!on || now - last < 200) return;
      last = now;
      shown = true;
      const of = (x: string, t: string | undefined) => (t === undefined ? x : `${x} of ${t}`);
      io.stderr.write(`\r${label}: ${of(String(n), total && String(total.entries))} entries, ${of((bytes / 1048576).toFixed(1), total && (total.bytes / 1048576).toFixed(1))} MiB${rateAndEta(bytes, total?.bytes, now - started)}\x1b[K`);
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}

export function note(io: Io, a: { quiet?: boolean }, text: string): void {
  if (!a.quiet) io.stderr.write(`dare: note: ${text}\n`);
}

/** `ls -l` style permission string. */
export function modeString(e: Pick<IndexEntry, 'kind' | 'mode'>): string {
  const t = e.kind === 'directory' ? 'd' : e.kind === 'symlink' ? 'l' : '-';
  let s = '';
  for (let i = 8; i >= 0; i--) s += e.mode & (1 << i) ? 'rwx'[(8 - i) % 3] : '-';
  return t + s;
}

/** A path as printed: quoted when it holds characters a terminal would interpret. */
export function shownPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(p) ? JSON.stringify(p) : p;
}

export function entryJson(e: IndexEntry) {
  return {
    path: e.path, kind: e.kind, size: e.size, mode: e.mode.toString(8).padStart(4, '0'), modified: e.modified,
    ...(e.target !== undefined ? { target: e.target } : {}), frame: e.index,
  };
}
