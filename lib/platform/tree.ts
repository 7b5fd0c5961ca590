/**
 * Reading a tree of the file system as an archive records it (docs/FORMAT.md §9): what is
 * at a path without following a link, the sorted names of a folder, a link's target, and a
 * file's bytes with a check that its size did not change while it was read. The archive
 * layer decides what to store; this module only reads.
 * @module
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DareError } from '../errors.js';
import { fileError as ioError } from './fs-error.js';

/** What is at a path, the link itself for a symbolic link. */
export interface PathStat {
  readonly kind: 'directory' | 'symlink' | 'file' | 'other';
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  readonly modified: Date;
  readonly size: number;
  /** `dev:ino`: the same file under another name. */
  readonly identity: string;
}

/** What is at `path`, not following a symbolic link; IO when nothing is or it cannot be read. */
export function statPath(path: string): PathStat {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    throw ioError(e, path);
  }
  const kind = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  return { kind, mode: st.mode & 0o7777, modified: st.mtime, size: st.size, identity: `${st.dev}:${st.ino}` };
}

/** One name in a folder, with its path. */
export interface FolderEntry {
  readonly name: string;
  readonly path: string;
  /** False when the name on disk is not valid UTF-8 (it cannot be stored as a name). */
  readonly utf8: boolean;
}

/** The names in the folder at `path`, sorted. */
export async function readFolder(path: string): Promise<FolderEntry[]> {
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (e) {
    throw ioError(e, path);
  }
  // readdir decodes names as UTF-8; a name that does not round-trip was not UTF-8.
  return names.map((n) => ({ name: n, path: join(path, n), utf8: Buffer.from(n, 'utf8').toString('utf8') === n && !n.includes('\ufffd') }));
}

/** The target of the symbolic link at `path`, as written. */
export async function readLinkTarget(path: string): Promise<string> {
  try {
    return await readlink(path);
  } catch (e) {
    throw ioError(e, path);
  }
}

const CHUNK = 1 << 20;

/**
 * Files up to this size are read with synchronous calls: for the many small files of a
 * source tree, each asynchronous call's trip through the thread pool cost more than the
 * read (about 1 ms a file for open, stat, read, read, close; measured on 3,000 files).
 */
const SMALL_FILE = 256 << 10;

/**
 * The bytes of a regular file that must be `size` long: IO when it is not a regular file
 * any more, or grew or shrank while it was read (the frame's length is written first).
 */
export async function* readFileExactly(path: string, size: number): AsyncGenerator<Uint8Array> {
  if (size <= SMALL_FILE) {
    yield readSmallFile(path, size);
    return;
  }
  let h;
  try {
    h = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new DareError('IO', `${path}: is no longer a regular file`);
    let done = 0;
    while (done < size) {
      // A fresh buffer per chunk: the sequence writer keeps chunks until it flushes.
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const { bytesRead } = await h.read(buf, 0, buf.length, done);
      if (bytesRead === 0) throw new DareError('IO', `${path}: the file shrank while it was read`);
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    const { bytesRead } = await h.read(Buffer.alloc(1), 0, 1, size);
    if (bytesRead !== 0) throw new DareError('IO', `${path}: the file grew while it was read`);
  } catch (e) {
    throw ioError(e, path);
  } finally {
    await h.close();
  }
}

/** readFileExactly for a small file, in one buffer (one read past the end finds growth). */
function readSmallFile(path: string, size: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new DareError('IO', `${path}: is no longer a regular file`);
    const buf = Buffer.allocUnsafe(size + 1);
    let done = 0;
    for (;;) {
      const n = readSync(fd, buf, done, size + 1 - done, done);
      if (n === 0) break;
      done += n;
      if (done > size) throw new DareError('IO', `${path}: the file grew while it was read`);
    }
    if (done < size) throw new DareError('IO', `${path}: the file shrank while it was read`);
    return buf.subarray(0, size);
  } catch (e) {
    throw ioError(e, path);
  } finally {
    closeSync(fd);
  }
}

