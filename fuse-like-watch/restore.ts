/**
 * Restoring a mirror: the journal is verified and replayed up to a point (the
 * end, an entry, a time), and every file of that state is decrypted, checked
 * (MAC, signatures, plaintext digest and length recorded in the journal) and
 * written atomically with its mode and modification time. A file that fails a
 * check is not written; the others are, and the failures are returned.
 * @module
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { DareError, isDareError } from '../lib/index.js';
import { checkPath, type FileRecord, type FolderState } from './entries.js';
import { errno, fsError, lstatOrNone, makeDirs, tempName, under } from './fsutil.js';
import { JOURNAL_FILE, readJournal, replay, type JournalRead, type MirrorKeys } from './journal.js';
import { objectPath, readObject } from './objects.js';

export interface PointOptions {
  /** Replay entries recorded at or before this time. */
  readonly at?: Date;
  /** Replay entries up to and including this journal frame. */
  readonly entry?: number;
}

export interface RestoreOptions extends PointOptions {
  readonly keys: MirrorKeys;
  /** Restore only this path (a file, or a directory with everything below it). */
  readonly file?: string;
  /** Replace files that exist in the output folder. */
  readonly force?: boolean;
  readonly onEvent?: (e: { event: 'restored' | 'failed' | 'unsigned'; path?: string; size?: number; reason?: string; entries?: number }) => void;
}

export interface RestoreResult {
  /** The last journal frame replayed. */
  readonly upTo: number;
  readonly files: number;
  readonly bytes: number;
  readonly failed: { path: string; error: DareError }[];
  /** Entries after the last trusted signature, left out (with trusted signers). */
  readonly unsigned: number;
}

/** The journal, verified, and the state at the point asked for. */
export async function stateAt(dest: string, keys: MirrorKeys, point: PointOptions): Promise<{ read: JournalRead; state: FolderState; upTo: number; unsigned: number }> {
  const read = await readJournal(join(dest, JOURNAL_FILE), keys);
  let upTo = read.last;
  if (point.entry !== undefined) {
    if (point.entry > read.last) throw new DareError('NOT_FOUND', `no entry ${point.entry}: the journal ends at entry ${read.last}`);
    upTo = point.entry;
  }
  if (point.at !== undefined) {
    const t = point.at.getTime();
    let last = 0;
    let first: string | undefined;
    for (const f of read.frames) {
      const time = f.entry?.time ?? f.checkpoint?.time;
      first ??= f.entry ? time : undefined;
      if (f.index <= upTo && time !== undefined && Date.parse(time) <= t) last = f.index;
    }
    // Before anything was recorded there is no state to restore: say so rather than restore nothing.
    if (last === 0) throw new DareError('NOT_FOUND', `--at ${point.at.toISOString()} is before the first entry of the journal${first ? ` (recorded ${first})` : ' (it has none)'}`);
    upTo = last;
  }
  let unsigned = 0;
  if (keys.trustedSigners?.length) {
    if (read.lastSigned < 0) throw new DareError('SIGNATURE_INVALID', 'the journal carries no signature by a trusted key');
    if (upTo > read.lastSigned) {
      unsigned = read.frames.filter((f) => f.entry && f.index > read.lastSigned && f.index <= upTo).length;
      upTo = read.lastSigned;
    }
  }
  return { read, state: replay(read.frames, upTo), upTo, unsigned };
}

function selected(path: string, file: string | undefined): boolean {
  return file === undefined || path === file || path.startsWith(file + '/');
}

/** Restores the mirror in `dest` into the folder `out`. */
export async function restoreMirror(dest: string, out: string, o: RestoreOptions): Promise<RestoreResult> {
  const file = o.file === undefined ? undefined : checkPath(o.file.replace(/\/+$/, '').replace(/^\.\//, ''), 'file');
  const { state, upTo, unsigned } = await stateAt(dest, o.keys, o);
  const emit = o.onEvent ?? (() => undefined);
  if (unsigned) emit({ event: 'unsigned', entries: unsigned });
  const files = [...state.files].filter(([p]) => selected(p, file)).sort(([a], [b]) => (a < b ? -1 : 1));
  const dirs = [...state.dirs].filter(([p]) => selected(p, file));
  if (file !== undefined && !files.length && !dirs.length) throw new DareError('NOT_FOUND', `${file}: not in the mirror at entry ${upTo}`);
  await fs.mkdir(out, { recursive: true }).catch((e: unknown) => {
    throw fsError(e, out);
  });
  if (!o.force) {
    for (const [p] of files) {
      if (await lstatOrNone(under(out, p))) throw new DareError('OUTPUT_EXISTS', `${under(out, p)}: already exists (use --force to overwrite)`);
    }
  }
  for (const [p] of dirs) await makeDirs(out, p, 0o700);
  const failed: { path: string; error: DareError }[] = [];
  let bytes = 0;
  for (const [p, r] of files) {
    try {
      await restoreFile(dest, out, p, r, o);
      bytes += r.size;
      emit({ event: 'restored', path: p, size: r.size });
    } catch (e) {
      const error = isDareError(e) ? e : fsError(e, p);
      failed.push({ path: p, error });
      emit({ event: 'failed', path: p, reason: error.message });
    }
  }
  // Modes last: a read-only directory is filled before it becomes read-only.
  for (const [p, mode] of dirs.sort(([a], [b]) => b.split('/').length - a.split('/').length)) {
    await fs.chmod(under(out, p), mode).catch((e: unknown) => {
      throw fsError(e, under(out, p));
    });
  }
  return { upTo, files: files.length - failed.length, bytes, failed, unsigned };
}

async function restoreFile(dest: string, out: string, p: string, r: FileRecord, o: RestoreOptions): Promise<void> {
  const target = under(out, p);
  await makeDirs(out, dirname(p) === '.' ? '' : dirname(p), 0o755);
  const temp = tempName(dirname(target), 'restore-');
  const h = await fs.open(temp, 'wx', 0o600).catch((e: unknown) => {
    throw fsError(e, temp);
  });
  try {
    try {
      const keys = { keys: o.keys.decryptionKeys, secrets: o.keys.secret ? [o.keys.secret] : [], trustedSigners: o.keys.trustedSigners };
      for await (const c of readObject(objectPath(dest, r.object), r, keys)) await h.write(c);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.chmod(temp, r.mode);
    const secs = Number(BigInt(r.mtimeNs) / 1000n) / 1e6;
    await fs.utimes(temp, secs, secs);
    if (o.force) await fs.rename(temp, target);
    else {
      // link() refuses to replace a file that appeared meanwhile.
      try {
        await fs.link(temp, target);
        await fs.rm(temp, { force: true });
      } catch (e) {
        if (errno(e) === 'EEXIST') throw new DareError('OUTPUT_EXISTS', `${target}: already exists (use --force to overwrite)`);
        // File systems without hard links: checked above, so rename.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errno(e) ?? '')) throw fsError(e, target);
        await fs.rename(temp, target);
      }
    }
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}
