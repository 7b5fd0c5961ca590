/**
 * Private folders a program keeps its state in (the Mesh home, docs/MESH.md §8): created
 * with mode 0700, listed, and changed only by whole-name operations that a crash cannot
 * leave half done: a rename (then an fsync of the folder, so that it survives a power cut
 * too), a removal of a whole tree. The only place the Mesh layer touches `node:fs` for
 * folders; files are sequences (file.ts) or small private files (private-file.ts).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { DareError } from '../errors.js';
import { fileError as ioError } from './fs-error.js';

/** What is at a path: 'file', 'directory', 'other', or undefined for nothing (a link is not followed). */
export async function pathKind(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const s = await lstat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(e, path);
  }
}

/** Size in bytes of the file at `path`. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    throw ioError(e, path);
  }
}

/**
 * Creates `path` and its missing parents with mode 0700 (parents made here too). An existing
 * folder is kept as it is; `true` when this call created `path`.
 */
export async function makePrivateDirectory(path: string): Promise<boolean> {
  try {
    const made = await mkdir(path, { recursive: true, mode: 0o700 });
    if (made !== undefined) await chmod(path, 0o700); // against a umask that drops owner bits
    return made !== undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new DareError('IO', `${path}: exists and is not a directory`, { cause: e });
    throw ioError(e, path);
  }
}

/** Names in a folder, sorted; [] when there is no such folder. */
export async function listDirectory(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(e, path);
  }
}

/** Flushes a folder's entries to disk (a rename or creation in it then survives a power cut). */
export async function syncDirectory(path: string): Promise<void> {
  let h;
  try {
    h = await open(path, 'r');
    await h.sync();
  } catch (e) {
    // Some file systems refuse to fsync a folder: the rename itself is still atomic.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw ioError(e, path);
  } finally {
    await h?.close();
  }
}

/**
 * Renames `from` to `to` (a file or a whole folder) in one step, then syncs the folder of
 * `to`. Refuses (OUTPUT_EXISTS) when `to` exists, unless `replace` and both are files.
 */
export async function renamePath(from: string, to: string, replace = false): Promise<void> {
  const there = await pathKind(to);
  if (there !== undefined && !(replace && there === 'file')) throw new DareError('OUTPUT_EXISTS', `${to}: already exists`);
  try {
    await rename(from, to);
  } catch (e) {
    throw ioError(e, to);
  }
  await syncDirectory(dirname(to));
}

/** Removes a file or a whole folder; nothing there is no error. */
export async function removePath(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (e) {
    throw ioError(e, path);
  }
}

/** Sets a file's mode to 0600 (owner only). */
export async function makeFilePrivate(path: string): Promise<void> {
  try {
    await chmod(path, 0o600);
  } catch (e) {
    throw ioError(e, path);
  }
}

/** True when the file or folder at `path` can be read or written by others than its owner. */
export async function isSharedWithOthers(path: string): Promise<boolean> {
  try {
    return ((await stat(path)).mode & 0o077) !== 0;
  } catch (e) {
    throw ioError(e, path);
  }
}

/** A fresh name for a temporary file or folder beside `path` (`.<name>.<random>.<suffix>`). */
export function temporaryName(path: string, suffix = 'tmp'): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '.' : path.slice(0, slash) || '/';
  const name = path.slice(slash + 1).slice(0, 100);
  return `${dir === '/' ? '' : dir}/.${name}.${randomBytes(6).toString('hex')}.${suffix}`;
}

/** Cuts the file at `path` back to `size` bytes. */
export async function truncateFile(path: string, size: number): Promise<void> {
  try {
    await truncate(path, size);
  } catch (e) {
    throw ioError(e, path);
  }
}

/** The folder that holds `path` (absolute). */
export function folderOf(path: string): string {
  return dirname(resolvePath(path));
}
