/**
 * Exclusive writer locks: a file `<name>.lock` (or a mirror's `DEST/lock`) created with
 * O_EXCL holding the pid and host of the writer, removed when it is done. Two writers
 * appending to one sequence at once would each write frames after the tail they read and
 * leave a file that no longer verifies; with the lock the second one stops with CONFLICT
 * before it reads or writes anything (docs/FORMAT.md §8, "Writers").
 *
 * A lock left by a process that no longer runs on this host (kill -9, a crash) is taken
 * over. A lock naming another host is never taken over (a shared file system): the error
 * says which file to remove. Within one process the same path cannot be locked twice.
 * @module
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DareError } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** A held lock; release() is idempotent. */
export interface WriteLock {
  readonly path: string;
  release(): void;
}

/** Lock files this process holds (resolved paths). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ioError(e: unknown, path: string): DareError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : e instanceof Error ? e.message : String(e);
  return new DareError('IO', `${path}: cannot create the lock file: ${why}`, { cause: e });
}

/**
 * Takes the lock file `lockPath` for writing `what` (named in errors, e.g. "audit.dlog").
 * CONFLICT when another live writer holds it.
 */
export function acquireLock(lockPath: string, what: string): WriteLock {
  const key = resolve(lockPath);
  if (held.has(key)) throw new DareError('CONFLICT', `${what}: this process is already writing it`);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockPath, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
      held.add(key);
      let released = false;
      return {
        path: lockPath,
        release() {
          if (released) return;
          released = true;
          held.delete(key);
          rmSync(lockPath, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, lockPath);
    }
    let other: Partial<LockInfo> = {};
    try {
      other = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockInfo>;
    } catch {
      // A torn lock file (killed while writing it) or one removed meanwhile: stale.
    }
    if (typeof other.pid === 'number' && other.host !== undefined && other.host !== me.host) {
      throw new DareError('CONFLICT', `${what}: in use by process ${other.pid} on ${other.host} (if it is not running there, remove ${lockPath})`);
    }
    if (typeof other.pid === 'number' && other.pid !== process.pid && alive(other.pid)) {
      throw new DareError('CONFLICT', `${what}: in use by process ${other.pid} (if that is not a dare writing it, remove ${lockPath})`);
    }
    rmSync(lockPath, { force: true });
  }
  throw new DareError('CONFLICT', `${what}: could not take the lock ${lockPath}`);
}

/** The lock file of a sequence file. */
export function lockPathOf(file: string): string {
  return `${file}.lock`;
}
