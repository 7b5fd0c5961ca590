/**
 * File system helpers of the mirror: error mapping, a streaming directory walk,
 * atomic file creation (temporary file, fsync, rename), directory fsync and
 * the single-writer lock of a mirror folder.
 * @module
 */
import { constants, promises as fs, type BigIntStats } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DareError } from '../lib/index.js';

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A file system error as a DareError('IO') naming `path`. */
export function fsError(e: unknown, path: string): DareError {
  if (e instanceof DareError) return e;
  const code = errno(e);
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device', EISDIR: 'is a directory', ENOTDIR: 'not a directory', EEXIST: 'already exists',
  };
  const msg = (code && why[code]) ?? (e instanceof Error ? e.message : String(e));
  return new DareError(code === 'EEXIST' ? 'OUTPUT_EXISTS' : 'IO', `${path}: ${msg}`, { cause: e });
}

/** Relative path (as recorded, '/'-separated) to an absolute one under `root`. */
export function under(root: string, rel: string): string {
  return join(root, ...rel.split('/'));
}

export function toRel(parts: readonly string[]): string {
  return posix.join(...parts);
}

export interface WalkEntry {
  readonly path: string;
  readonly dir: boolean;
}

/**
 * Every directory and regular file below `root` (relative paths), streaming: a
 * folder of many thousands of files never sits in memory as one listing. Symbolic
 * links and special files are not followed or reported. Unreadable directories
 * are reported to `onError` and skipped; so is what `skip` names (not descended into).
 */
export async function* walk(root: string, rel = '', onError?: (rel: string, e: unknown) => void, skip?: (rel: string) => boolean): AsyncGenerator<WalkEntry> {
  let dir;
  try {
    dir = await fs.opendir(rel ? under(root, rel) : root, { bufferSize: 256 });
  } catch (e) {
    onError?.(rel, e);
    return;
  }
  for await (const d of dir) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (skip?.(p)) continue;
    if (d.isDirectory()) {
      yield { path: p, dir: true };
      yield* walk(root, p, onError, skip);
    } else if (d.isFile()) {
      yield { path: p, dir: false };
    }
  }
}

/** lstat with nanosecond times; undefined when the path does not exist. */
export async function lstatOrNone(path: string): Promise<BigIntStats | undefined> {
  try {
    return await fs.lstat(path, { bigint: true });
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function tempName(dir: string, hint = ''): string {
  return join(dir, `.${hint}${randomBytes(8).toString('hex')}.tmp`);
}

/** fsync a file by name (written and closed earlier). */
export async function syncFile(path: string): Promise<void> {
  const h = await fs.open(path, constants.O_RDONLY).catch((e: unknown) => {
    throw fsError(e, path);
  });
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** fsync a directory, so that a rename into it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  let h;
  try {
    h = await fs.open(dir, constants.O_RDONLY);
    await h.sync();
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic.
  } finally {
    await h?.close();
  }
}

/**
 * Makes every directory from `root` down to `root/rel`, refusing to pass
 * through a symbolic link or a file: a restore never writes outside its folder.
 */
export async function makeDirs(root: string, rel: string, mode = 0o755): Promise<void> {
  let cur = root;
  for (const s of rel.split('/').filter(Boolean)) {
    cur = join(cur, s);
    const st = await lstatOrNone(cur);
    if (st === undefined) {
      try {
        await fs.mkdir(cur, { mode });
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw fsError(e, cur);
      }
      continue;
    }
    if (!st.isDirectory()) throw new DareError('IO', `${cur}: is not a directory (a symbolic link or a file is in the way)`);
  }
}

/** True when `inner` is `outer` or inside it (both absolute and resolved). */
export function isInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}
