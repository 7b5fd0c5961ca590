/**
 * Exclusive writer locks: a file `<name>.lock` (or a mirror's `DEST/lock`) holding the pid
 * and host of the writer, removed when it is done. Two writers appending to one sequence at
 * once would each write frames after the tail they read and leave a file that no longer
 * verifies; with the lock the second one stops with CONFLICT before it reads or writes
 * anything (docs/FORMAT.md §8, "Writers").
 *
 * Taking and taking over are atomic on a POSIX file system:
 * - A lock is written whole to a temporary file of a unique name and link()ed into place:
 *   link() fails if the lock exists, so the lock never exists empty or half written (with
 *   O_EXCL it did, between the creation and the write, and a rival took it as torn).
 * - A lock left by a process that no longer runs on this host (kill -9, a crash) is taken
 *   over only by whoever first creates the takeover lock named after that lock's content
 *   (itself a lock, taken by the same rules): the winner checks that the stale content is
 *   still in place and rename()s its own lock over it. Every lock's content is unique (a
 *   random token), so a rival that judged the same content stale later finds other content
 *   and gives up; removing a stale lock never removes a live one.
 * A lock naming another host is never taken over (a shared file system): the error says
 * which file to remove. Within one process the same path cannot be locked twice.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DareError } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  token: string;
}

/** A held lock; release() is idempotent. */
export interface WriteLock {
  readonly path: string;
  release(): void;
}

/** Lock files this process holds (resolved paths). */
const held = new Set<string>();

/**
 * A lock file that does not parse is taken for one being written by a writer without
 * link() (another implementation, or a file system without hard links) until it is this
 * old; then it is stale (a torn write).
 */
const UNREADABLE_GRACE_MS = 5000;
/** Attempts before giving up with CONFLICT when rivals keep changing the lock. */
const ATTEMPTS = 50;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function ioError(e: unknown, path: string): DareError {
  const code = errno(e);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : e instanceof Error ? e.message : String(e);
  return new DareError('IO', `${path}: cannot create the lock file: ${why}`, { cause: e });
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A name beside `path` no other process uses. */
function uniqueBeside(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path).slice(0, 100)}.${randomBytes(8).toString('hex')}.${suffix}`);
}

/** The lock that decides who takes over the lock at `path` whose content is `content`. */
function takeoverPath(path: string, content: string): string {
  const h = createHash('sha256').update(basename(path)).update('\0').update(content).digest('hex').slice(0, 32);
  return join(dirname(path), `.${h}.lock-takeover`);
}

/** The lock's content, or undefined when there is none (removed meanwhile). */
function readLock(path: string): { text: string; info?: Partial<LockInfo>; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    const text = readFileSync(path, 'utf8');
    let info: Partial<LockInfo> | undefined;
    try {
      const v = JSON.parse(text) as unknown;
      if (v !== null && typeof v === 'object') info = v as Partial<LockInfo>;
    } catch {
      // Torn, or being written by a writer without link().
    }
    return { text, info, mtimeMs };
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw ioError(e, path);
  }
}

/** Puts `temp` at `path` unless something is there: true when it did. */
function linkInto(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    const code = errno(e);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK' && code !== 'ENOSYS') throw ioError(e, path);
  }
  // No hard links here: O_EXCL creation, and rivals give an unreadable lock UNREADABLE_GRACE_MS.
  try {
    writeFileSync(path, readFileSync(temp), { flag: 'wx', mode: 0o644 });
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw ioError(e, path);
  }
}

type Held = { path: string; text: string; release: () => void };

/**
 * Takes `path` (content `text`, already in `temp`) or throws CONFLICT. `depth` counts the
 * takeover locks above this one (a takeover lock left by a process that died holding it is
 * itself taken over, by the same rules).
 */
function take(path: string, text: string, temp: string, what: string, me: LockInfo, depth: number): Held | undefined {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (linkInto(temp, path)) return ownedBy(path, text);
    const other = readLock(path);
    if (other === undefined) continue; // released meanwhile: try again
    const o = other.info;
    if (o === undefined || typeof o.pid !== 'number' || typeof o.host !== 'string') {
      if (Date.now() - other.mtimeMs < UNREADABLE_GRACE_MS) {
        throw new DareError('CONFLICT', `${what}: the lock ${path} is being written by another process (if none is, remove it)`);
      }
    } else if (o.host !== me.host) {
      throw new DareError('CONFLICT', `${what}: in use by process ${o.pid} on ${o.host} (if it is not running there, remove ${path})`);
    } else if (o.pid !== process.pid && alive(o.pid)) {
      throw new DareError('CONFLICT', `${what}: in use by process ${o.pid} (if that is not a dare writing it, remove ${path})`);
    } else if (o.pid === process.pid && o.token !== undefined && held.has(resolve(path))) {
      throw new DareError('CONFLICT', `${what}: this process is already writing it`);
    }
    // Stale: only the holder of the takeover lock for exactly this content replaces it.
    if (depth >= 4) throw new DareError('CONFLICT', `${what}: could not take over the stale lock ${path} (remove it)`);
    const tp = takeoverPath(path, other.text);
    let t: Held | undefined;
    try {
      t = take(tp, text, temp, what, me, depth + 1);
    } catch (e) {
      if (!(e instanceof DareError) || e.code !== 'CONFLICT') throw e;
      // Another process is taking it over: it will hold the lock, or give up; look again.
      sleep(2 + Math.floor(Math.random() * 8));
      continue;
    }
    try {
      const now = readLock(path);
      if (now === undefined || now.text !== other.text) continue; // taken over or released meanwhile
      // Atomic replacement of the stale content by ours; nobody else can replace it now.
      const mine = uniqueBeside(path, 'lock-tmp');
      try {
        writeFileSync(mine, text, { flag: 'wx', mode: 0o644 });
        renameSync(mine, path);
      } catch (e) {
        rmSync(mine, { force: true });
        throw ioError(e, path);
      }
      return ownedBy(path, text);
    } finally {
      t?.release();
    }
  }
  throw new DareError('CONFLICT', `${what}: could not take the lock ${path}`);
}

/** A lock whose file holds `text`; release() removes it only while it still holds `text`. */
function ownedBy(path: string, text: string): Held {
  let released = false;
  return {
    path,
    text,
    release() {
      if (released) return;
      released = true;
      if (readLock(path)?.text === text) rmSync(path, { force: true });
    },
  };
}

/**
 * Takes the lock file `lockPath` for writing `what` (named in errors, e.g. "audit.dlog").
 * CONFLICT when another live writer holds it.
 */
export function acquireLock(lockPath: string, what: string): WriteLock {
  const key = resolve(lockPath);
  if (held.has(key)) throw new DareError('CONFLICT', `${what}: this process is already writing it`);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), token: randomBytes(12).toString('base64url') };
  const text = JSON.stringify(me) + '\n';
  const temp = uniqueBeside(lockPath, 'lock-tmp');
  try {
    writeFileSync(temp, text, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw ioError(e, lockPath);
  }
  let lock: Held | undefined;
  try {
    lock = take(lockPath, text, temp, what, me, 0);
  } finally {
    rmSync(temp, { force: true });
  }
  const l = lock as Held;
  held.add(key);
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      held.delete(key);
      l.release();
    },
  };
}

/** The lock file of a sequence file. */
export function lockPathOf(file: string): string {
  return `${file}.lock`;
}
