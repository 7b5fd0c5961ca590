/**
 * Shared pieces of the archive commands: key options, `-` for an archive read from
 * stdin or written to stdout (spooled through a private temporary file, because an
 * archive is read and written by position), names of added paths, progress and
 * listing format.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Argv } from 'yargs';
import type { ArchiveReadOptions, DecryptionKey, IndexEntry, RecipientKey, SigningKey, VerificationKey } from '../../lib/index.js';
import { ioError, isStdio, writeOutput, type Io } from '../io.js';
import { loadIdentity, loadPublicKey, loadSecret } from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { progressEnabled } from '../progress.js';
import { UsageError } from '../errors.js';

export interface ReadArgs extends PassphraseArgs {
  identity?: string[];
  key?: string;
  signer?: string[];
  allowUnauthenticated?: boolean;
  quiet?: boolean;
  json?: boolean;
  force?: boolean;
}

/** --identity, --key, --signer and friends, as dare decode has them. */
export function readOptions(y: Argv, signer = true): Argv {
  let r = y
    .option('identity', { alias: 'i', type: 'string', array: true, describe: 'private key file to decrypt with; repeatable' })
    .option('key', { type: 'string', describe: 'shared secret the archive is encrypted under (E... UDF, or a file holding one)' })
    .option('allow-unauthenticated', { type: 'boolean', describe: 'read encrypted frames that carry no MAC (written by other implementations)' })
    .options(passphraseOptions)
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' });
  if (signer) r = r.option('signer', { type: 'string', array: true, describe: 'trusted signer public key (dare1... or file): fail (exit 4) unless one of them signed the archive; repeatable' });
  return r;
}

export async function loadReadOptions(io: Io, a: ReadArgs): Promise<ArchiveReadOptions> {
  const keys: DecryptionKey[] = [];
  for (const f of a.identity ?? []) keys.push(...(await loadIdentity(io, f, a)).decryptionKeys);
  const trustedSigners: VerificationKey[] = [];
  for (const s of a.signer ?? []) trustedSigners.push((await loadPublicKey(io, s, a)).signature);
  const secrets = a.key === undefined ? [] : [await loadSecret(a.key)];
  return { keys, secrets, trustedSigners, allowUnauthenticated: a.allowUnauthenticated === true };
}

export async function loadRecipients(io: Io, list: readonly string[] | undefined, a: PassphraseArgs): Promise<RecipientKey[]> {
  const out: RecipientKey[] = [];
  for (const r of list ?? []) out.push((await loadPublicKey(io, r, a)).encryption);
  return out;
}

export async function loadSigner(io: Io, file: string | undefined, a: PassphraseArgs): Promise<SigningKey | undefined> {
  if (file === undefined) return undefined;
  const id = await loadIdentity(io, file, a);
  const k = id.signingKeys[0];
  if (!k) throw new UsageError(`${file}: holds no signature key`);
  return k;
}

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

/** A progress line on stderr ("archiving: 120 entries, 3.4 MiB"), only when it is a terminal. */
export function entryProgress(io: Io, a: { quiet?: boolean; json?: boolean }, label: string) {
  const on = progressEnabled(io, a);
  let n = 0;
  let bytes = 0;
  let last = 0;
  let shown = false;
  return {
    tick(size: number) {
      n++;
      bytes += size;
      const now = Date.now();
      if (!on || now - last < 200) return;
      last = now;
      shown = true;
      io.stderr.write(`\r${label}: ${n} entries, ${(bytes / 1048576).toFixed(1)} MiB\x1b[K`);
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
