/**
 * The file-system calls an extraction makes (lib/archive/extract.ts decides what and in
 * which order; docs/FORMAT.md §9 "Extraction"): what is at a path without following a
 * link, folders made one at a time or as `mkdir -p` says which, links and their times, the
 * mode and times of a finished file or folder, and removal of what a failed run made.
 * Every failure is a DareError naming the path (fs-error.ts).
 * @module
 */
import { chmodSync, fchmodSync, futimesSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { chmod, lutimes, mkdir, realpath, symlink, unlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileError } from './fs-error.js';

export type NodeKind = 'directory' | 'symlink' | 'file' | 'other';

/** What is at `path` (a link is not followed), or undefined when nothing is. */
export function kindAt(path: string): NodeKind | undefined {
  let st;
  try {
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw fileError(e, path);
  }
  if (st === undefined) return undefined;
  return st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
}

/** True when the folder at `path` holds nothing. */
export function isEmptyFolder(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch (e) {
    throw fileError(e, path);
  }
}

/** `path` below `root` (a name checked by the caller: relative, no `..`). */
export function below(root: string, name: string): string {
  return join(root, name);
}

/** The absolute form of `path`, and of the folder that holds it. */
export function absolute(path: string): string {
  return resolve(path);
}
export function parentOf(path: string): string {
  return dirname(resolve(path));
}

/** The path with every link resolved (the root an extraction writes below). */
export async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    throw fileError(e, path);
  }
}

/**
 * `mkdir -p path`: the folders this call made, outermost first ([] when `path` was there),
 * so that a failed run can remove them again.
 */
export async function makeFolders(path: string): Promise<string[]> {
  let first: string | undefined;
  try {
    first = await mkdir(path, { recursive: true });
  } catch (e) {
    throw fileError(e, path);
  }
  const made: string[] = [];
  if (first === undefined) return made;
  for (let d = resolve(path); ; d = dirname(d)) {
    made.unshift(d);
    if (d === resolve(first) || d === dirname(d)) break;
  }
  return made;
}

/** Makes one folder (its parent exists); fails when something is at `path`. */
export async function makeFolder(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, mode);
  } catch (e) {
    throw fileError(e, path);
  }
}

/** Makes one folder now (for a temporary folder that a signal handler must find made). */
export function makeFolderSync(path: string, mode: number): void {
  try {
    mkdirSync(path, mode);
  } catch (e) {
    throw fileError(e, path);
  }
}

/** Removes the folder at `path` if it is empty; quietly keeps it otherwise. */
export function removeFolderIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // Not empty (something placed before the failure, or someone else's): it stays.
  }
}

/** Removes a whole tree; nothing there is no error. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Removes the file or link at `path`. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    throw fileError(e, path);
  }
}

/** Renames a folder into place, with `mode` (before the umask) given first. */
export function placeFolder(from: string, to: string, mode: number): void {
  try {
    chmodSync(from, mode & ~process.umask() & 0o7777);
    renameSync(from, to);
  } catch (e) {
    throw fileError(e, to);
  }
}

/** Writes all of `data` at the descriptor's position. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

/** Sets the modification (and access) time of an open file. */
export function setFileTime(fd: number, time: Date): void {
  futimesSync(fd, time, time);
}

/** Sets the permission bits of an open file. */
export function setFileMode(fd: number, mode: number): void {
  fchmodSync(fd, mode);
}

/** Makes a symbolic link at `path` pointing to `target`, with its own time set. */
export async function makeLink(target: string, path: string, time: Date): Promise<void> {
  try {
    await symlink(target, path);
    await lutimes(path, time, time);
  } catch (e) {
    throw fileError(e, path);
  }
}

/** Sets a folder's permission bits and times (after its contents were written). */
export async function finishFolder(path: string, mode: number, time: Date): Promise<void> {
  try {
    await chmod(path, mode);
    await utimes(path, time, time);
  } catch (e) {
    throw fileError(e, path);
  }
}
