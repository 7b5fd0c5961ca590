/**
 * Temporary files beside their target (decode output, extracted files, a new archive;
 * docs/FORMAT.md §9 "Extraction", README "Security"). Each is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so that plaintext that has not passed its checks
 * is never readable by others, under a name that says whose it is:
 *
 *   .<target name, cut to 100 bytes>.dare-<pid>-<host tag>-<12 hex>.tmp
 *
 * (host tag: the first 8 hex digits of SHA-256 of the host name). While this process
 * writes one it is tracked, so that a program can remove them all when a fatal signal
 * arrives ({@link removeTemporariesSync}: the dare CLI does on SIGINT, SIGTERM and SIGHUP).
 * What a kill -9 leaves is recognised by its name on the next run in that folder:
 * {@link removeStaleTemporaries} deletes those of processes of this host that no longer run.
 * @module
 */
import { chmodSync, closeSync, constants, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DareError } from '../errors.js';

function outputExists(path: string): DareError {
  return new DareError('OUTPUT_EXISTS', `${path}: already exists (use --force to overwrite)`);
}

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const PATTERN = /^\..*\.dare-(\d+)-([0-9a-f]{8})-[0-9a-f]{12}\.tmp$/s;
/** Bytes of the target's name kept in the temporary name (file names are at most 255 bytes). */
const NAME_BYTES = 100;

/** Temporary files this process is writing (paths as created). */
const live = new Set<string>();
let observer: ((count: number) => void) | undefined;

function changed(): void {
  observer?.(live.size);
}

/**
 * Calls `fn` with the number of live temporaries whenever it changes (one observer; the
 * CLI uses it to hold signal handlers only while there is something to remove).
 */
export function observeTemporaries(fn: ((count: number) => void) | undefined): void {
  observer = fn;
}

function cut(name: string): string {
  const b = Buffer.from(name, 'utf8');
  if (b.length <= NAME_BYTES) return name;
  // Cut on a character boundary: a partial UTF-8 sequence would make an invalid name on some systems.
  return b.subarray(0, NAME_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
}

/** A fresh temporary name beside `target` (not created). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${cut(basename(target))}.dare-${process.pid}-${HOST}-${randomBytes(6).toString('hex')}.tmp`);
}

/** Starts tracking `path` (a temporary created by other means: a symbolic link, a folder, a new archive); call it before creating it. */
export function trackTemp(path: string): void {
  live.add(path);
  changed();
}

/** Stops tracking `path`: it was renamed into place or removed. */
export function untrackTemp(path: string): void {
  if (live.delete(path)) changed();
}

/** Creates a temporary file beside `target` (0600, O_EXCL|O_NOFOLLOW) and tracks it; returns its path and descriptor. */
export function createTempFileSync(target: string): { path: string; fd: number } {
  const path = tempPathFor(target);
  // Tracked before it exists: a signal that arrives as soon as the file is there finds it listed.
  trackTemp(path);
  try {
    return { path, fd: openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600) };
  } catch (e) {
    untrackTemp(path);
    throw e;
  }
}

/** Removes a temporary (gone already is fine) and stops tracking it. */
export function discardTemp(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (renamed into place, or removed by a signal handler).
  }
  untrackTemp(path);
}

/**
 * Removes every temporary this process is writing (a temporary folder with what is in it):
 * for a fatal signal, when nothing asynchronous will run any more.
 */
export function removeTemporariesSync(): number {
  let n = 0;
  for (const p of [...live]) {
    try {
      rmSync(p, { recursive: true, force: true });
      n++;
    } catch {
      // Gone already, or not ours to remove any more.
    }
    live.delete(p);
  }
  changed();
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries in `dir` left by processes of this host that no longer run (a
 * kill -9, a power loss): plain files and links named as {@link tempPathFor} names them.
 * Returns the names removed. Anything else, and temporaries of live processes or of other
 * hosts (a shared file system), stay. A folder that cannot be read is left alone.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = PATTERN.exec(name);
    if (!m || m[2] !== HOST) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    if (pid === process.pid ? live.has(path) : alive(pid)) continue;
    try {
      const st = lstatSync(path);
      if (!st.isFile() && !st.isSymbolicLink()) continue;
      unlinkSync(path);
      removed.push(name);
    } catch {
      // Raced with its owner or another cleaner: nothing to do.
    }
  }
  return removed;
}

/** Closes `fd`, ignoring a descriptor already closed. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}

/** `mode` as a newly created file would get it (the process umask applied): temporaries are 0600 until placed. */
export function umasked(mode: number): number {
  return mode & ~process.umask() & 0o7777;
}

/**
 * Moves the temporary `temp` to `target`; without `force` only when nothing is at `target`
 * (link() fails with EEXIST, so two writers cannot both win: OUTPUT_EXISTS), with `force`
 * by rename(). Other fs errors are raised as they come.
 */
export function placeTempSync(temp: string, target: string, force: boolean): void {
  if (force) renameSync(temp, target);
  else {
    try {
      linkSync(temp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw outputExists(target);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS') throw e;
      // No hard links here (some file systems, FUSE mounts): check, then rename.
      if (lstatSync(target, { throwIfNoEntry: false })) throw outputExists(target);
      renameSync(temp, target);
      untrackTemp(temp);
      return;
    }
    unlinkSync(temp);
  }
  untrackTemp(temp);
}

/**
 * Places a finished, closed temporary at `target` (see placeTempSync), then gives it `mode`
 * (before the umask): the temporary stays 0600 until it has its name.
 */
export function placeTempWithMode(temp: string, target: string, force: boolean, mode: number): void {
  placeTempSync(temp, target, force);
  chmodSync(target, umasked(mode));
}
