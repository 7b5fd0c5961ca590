/**
 * The writing side of a watched-folder mirror: opens (or creates) DEST, takes its
 * lock, replays and verifies the journal, removes what a crash left behind, and
 * brings DEST up to date with SRC for the whole folder or for some paths.
 *
 * Crash safety: an object is written to DEST/.tmp and renamed into objects/
 * before the journal entry that names it is appended; entries are committed
 * every 64 entries or second: the new objects and their directories are fsynced,
 * then the journal, so no durable entry names an object that is not durable.
 * After a kill at any moment the journal ends at a committed or torn entry (the
 * torn tail is cut), objects without an entry are deleted on the next open, and
 * the catch-up pass compares SRC with the replayed journal (size, mtime and mode,
 * then the digest), so no change is lost and none is recorded twice.
 * @module
 */
import { promises as fs, type BigIntStats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DareError, SequenceReader, SequenceWriter, acquireLock, generateSecret, lockPathOf, type RecipientKey } from '../lib/index.js';
import { excluder, type Excluder } from './exclude.js';
import { encodeEntry, FolderState, JOURNAL_VERSION, type Entry, type FileRecord } from './entries.js';
import { errno, fsError, isInside, lstatOrNone, syncDir, syncFile, under, walk } from './fsutil.js';
import { JOURNAL_CONTENT_TYPE, JOURNAL_FILE, readJournal, referencedObjects, replay, type MirrorKeys } from './journal.js';
import { digestFile, encryptFile, objectName, objectPath, type WriteKeys } from './objects.js';

/** What the mirror reports: one event per recorded change or problem. */
export interface MirrorEvent {
  readonly event: 'put' | 'rename' | 'delete' | 'mkdir' | 'rmdir' | 'skip' | 'checkpoint' | 'opened';
  readonly path?: string;
  readonly from?: string;
  readonly entry?: number;
  readonly size?: number;
  readonly reason?: string;
  readonly files?: number;
  readonly bytes?: number;
  readonly created?: boolean;
  readonly tornBytes?: number;
  readonly orphans?: number;
}

export interface MirrorOptions {
  readonly keys: MirrorKeys;
  /**
   * Glob patterns of what to leave out (exclude.ts): never mirrored, and a path mirrored
   * before that matches now is recorded as deleted (earlier versions stay restorable).
   */
  readonly exclude?: readonly string[];
  /** A file modified less than this long ago is still being written: it waits (default 1000 ms). */
  readonly settleMs?: number;
  /**
   * With a signer: go on from journal frames after the last frame the signer signed (written
   * by someone else, or by an older dare that signed at checkpoints only), after reviewing
   * them. Without it the open refuses (SIGNATURE_INVALID) rather than sign over them.
   */
  readonly adopt?: boolean;
  readonly onEvent?: (e: MirrorEvent) => void;
}

export interface PassResult {
  /** Entries appended. */
  changes: number;
  /** Files that were still changing: try them again after settleMs. */
  unstable: string[];
  /** Paths that could not be read in this pass, with the reason. */
  failed: Map<string, string>;
}

type Found =
  | { kind: 'file' | 'dir'; st: BigIntStats }
  | { kind: 'none' }
  | { kind: 'error'; reason: string };

const COMMIT_EVERY = 64;
const COMMIT_MS = 1000;

function sameKey(a: RecipientKey, b: RecipientKey): boolean {
  return a.crv === b.crv && Buffer.from(a.publicKey).equals(b.publicKey);
}

function now(): string {
  return new Date().toISOString();
}

function depth(p: string): number {
  return p.split('/').length;
}

export class Mirror {
  readonly src: string;
  readonly dest: string;
  readonly state: FolderState;
  /** Paths that failed in the last pass that looked at them; retried by later passes. */
  readonly failed = new Map<string, string>();
  private readonly writer: SequenceWriter;
  private readonly writeKeys: WriteKeys;
  private readonly referenced: Set<string>;
  private readonly unlock: () => Promise<void>;
  private readonly settleMs: number;
  private readonly emit: (e: MirrorEvent) => void;
  /** Object directories and objects written since the last commit. */
  private readonly touched = new Set<string>();
  private readonly unsynced = new Set<string>();
  private uncommitted = 0;
  /** A signing mirror holds its last entry back and writes it at the commit, signed over the apex. */
  private pending?: Uint8Array;
  private lastCommit = Date.now();
  private sinceCheckpoint = false;
  private closed = false;
  /** What is left out (MirrorOptions.exclude). */
  readonly excluded?: Excluder;

  private constructor(src: string, dest: string, state: FolderState, writer: SequenceWriter, writeKeys: WriteKeys, referenced: Set<string>, unlock: () => Promise<void>, o: MirrorOptions) {
    this.src = src;
    this.dest = dest;
    this.state = state;
    this.writer = writer;
    this.writeKeys = writeKeys;
    this.referenced = referenced;
    this.unlock = unlock;
    this.settleMs = o.settleMs ?? 1000;
    this.emit = o.onEvent ?? (() => undefined);
    this.excluded = excluder(o.exclude);
  }

  /** Opens DEST as the mirror of SRC, creating it when DEST is new or empty. */
  static async open(srcArg: string, destArg: string, o: MirrorOptions): Promise<Mirror> {
    excluder(o.exclude); // bad patterns fail before anything is opened
    let src: string;
    try {
      src = await fs.realpath(srcArg);
      if (!(await fs.stat(src)).isDirectory()) throw new DareError('IO', `${srcArg}: not a directory`);
    } catch (e) {
      throw fsError(e, srcArg);
    }
    const nested = new DareError('CONFLICT', `${destArg}: the mirror and the source folder must not contain each other`);
    if (isInside(resolve(destArg), src) || isInside(src, resolve(destArg))) throw nested;
    await fs.mkdir(destArg, { recursive: true }).catch((e: unknown) => {
      throw fsError(e, destArg);
    });
    const dest = await fs.realpath(destArg);
    if (isInside(dest, src) || isInside(src, dest)) throw nested;
    const lock = acquireLock(join(dest, 'lock'), `the mirror ${dest}`);
    const unlock = async () => lock.release();
    try {
      return await Mirror.load(src, dest, unlock, o);
    } catch (e) {
      await unlock();
      throw e;
    }
  }

  private static async load(src: string, dest: string, unlock: () => Promise<void>, o: MirrorOptions): Promise<Mirror> {
    const journal = join(dest, JOURNAL_FILE);
    const keys = o.keys;
    await fs.rm(join(dest, '.tmp'), { recursive: true, force: true });
    await fs.mkdir(join(dest, '.tmp'), { recursive: true });
    await fs.mkdir(join(dest, 'objects'), { recursive: true });
    let exists = (await lstatOrNone(journal)) !== undefined;
    if (exists && (await unfinishedJournal(journal, dest))) {
      await fs.rm(journal);
      exists = false;
    }
    let writer: SequenceWriter;
    let state: FolderState;
    let referenced: Set<string>;
    let writeKeys: WriteKeys;
    let tornBytes = 0;
    let unsealed = false;
    if (exists) {
      const read = await readJournal(journal, keys);
      const p = read.policy;
      const given = keys.recipients ?? [];
      if (given.length && (given.length !== p.encryptKeys.length || !given.every((g) => p.encryptKeys.some((k) => sameKey(g, k))))) {
        throw new DareError('CONFLICT', 'this mirror is encrypted to other keys: its recipients cannot change (start a new mirror)');
      }
      if (p.signKeys.length && !(keys.signer && p.signKeys.some((k) => k.crv === keys.signer?.crv && Buffer.from(k.publicKey).equals(keys.signer.publicKey)))) {
        throw new DareError('CONFLICT', 'this mirror is signed: give --sign with the key it was created with');
      }
      state = replay(read.frames);
      referenced = referencedObjects(read.frames);
      tornBytes = read.tornBytes;
      writeKeys = { recipients: p.encryptKeys, secret: keys.secret, signer: keys.signer };
      // What the writer trusts (lib/sequence/trust.ts): the recipients given (checked above) or the
      // secret, and with --sign only a journal whose last frame its key signed (or adopted frames).
      writer = await SequenceWriter.open(journal, {
        secret: keys.secret, signer: keys.signer, name: journal,
        trust: { ownKeys: keys.recipients ?? [], adopt: o.adopt },
      });
      // Entries after the last checkpoint (a kill before it was sealed) get sealed by this session.
      unsealed = read.frames.length > 0 && read.frames[read.frames.length - 1]?.checkpoint === undefined;
    } else {
      if (await hasForeignContent(dest)) throw new DareError('OUTPUT_EXISTS', `${dest}: not empty and not a dare mirror`);
      if (!keys.recipients?.length && !keys.secret) throw new RangeError('a new mirror needs recipients or a secret');
      state = new FolderState();
      referenced = new Set();
      writeKeys = { recipients: keys.recipients ?? [], secret: keys.secret, signer: keys.signer };
      writer = await SequenceWriter.create(journal, {
        recipients: keys.recipients, secret: keys.secret, signer: keys.signer, contentMeta: { contentType: JOURNAL_CONTENT_TYPE },
      });
    }
    const m = new Mirror(src, dest, state, writer, writeKeys, referenced, unlock, o);
    m.sinceCheckpoint = unsealed;
    if (state.nameKey === undefined) {
      await m.record({ op: 'init', version: JOURNAL_VERSION, nameKey: generateSecret(256), time: now(), source: src });
      await m.commit();
    }
    const orphans = await m.removeOrphans();
    m.emit({ event: 'opened', created: !exists, tornBytes, orphans, files: state.files.size, entry: state.lastFrame });
    return m;
  }

  /** Deletes objects no entry names: written before a crash cut off their entry. */
  private async removeOrphans(): Promise<number> {
    let n = 0;
    const root = join(this.dest, 'objects');
    for await (const w of walk(root)) {
      if (w.dir) continue;
      const name = w.path.split('/').pop()?.replace(/\.dare$/, '') ?? '';
      if (!this.referenced.has(name)) {
        await fs.rm(under(root, w.path), { force: true });
        n++;
      }
    }
    return n;
  }

  /**
   * Appends one entry and applies it to the state. A signing mirror writes the entry before
   * it now and holds this one back: the commit writes it with a signature over the apex, so
   * every commit is signed and a restart after a kill finds no frame its key did not sign.
   */
  private async record(e: Entry): Promise<number> {
    const bytes = encodeEntry(e);
    let index: number;
    if (this.writeKeys.signer) {
      index = this.writer.frameCount + (this.pending ? 1 : 0);
      if (this.pending) await this.writer.append(this.pending);
      this.pending = bytes;
    } else {
      index = (await this.writer.append(bytes)).index;
    }
    this.state.apply(e, index);
    if (e.op === 'put' || e.op === 'rename') this.referenced.add(e.object);
    this.sinceCheckpoint = true;
    this.uncommitted++;
    if (e.op !== 'init') {
      const size = e.op === 'put' || e.op === 'rename' ? e.size : undefined;
      this.emit({ event: e.op, path: e.path, from: e.op === 'rename' ? e.from : undefined, entry: index, size });
    }
    if (this.uncommitted >= COMMIT_EVERY || Date.now() - this.lastCommit >= COMMIT_MS) await this.commit();
    return index;
  }

  /** Makes the recorded entries durable: object directories first, then the journal. */
  private async commit(): Promise<void> {
    // Concurrent fsyncs share the file system's journal commits: much faster than one by one.
    await Promise.all([...this.unsynced].map(syncFile));
    this.unsynced.clear();
    await Promise.all([...this.touched].map(syncDir));
    this.touched.clear();
    const last = this.pending;
    this.pending = undefined;
    if (last) await this.writer.append(last, { sign: true });
    await this.writer.flush();
    this.uncommitted = 0;
    this.lastCommit = Date.now();
  }

  private async inspect(rel: string): Promise<Found> {
    if (this.excluded?.(rel)) return { kind: 'none' }; // left out: as if it were not there
    try {
      const st = await lstatOrNone(under(this.src, rel));
      if (st === undefined) return { kind: 'none' };
      if (st.isFile()) return { kind: 'file', st };
      if (st.isDirectory()) return { kind: 'dir', st };
      return { kind: 'none' }; // symbolic links and special files are not mirrored
    } catch (e) {
      return { kind: 'error', reason: fsError(e, rel).message };
    }
  }

  private unchanged(r: FileRecord | undefined, st: BigIntStats): boolean {
    return r !== undefined && r.size === Number(st.size) && r.mtimeNs === String(st.mtimeNs) && r.mode === (Number(st.mode) & 0o7777);
  }

  private settling(st: BigIntStats): boolean {
    const age = Date.now() - Number(st.mtimeMs);
    return this.settleMs > 0 && age >= 0 && age < this.settleMs;
  }

  private fail(result: PassResult, rel: string, reason: string): void {
    result.failed.set(rel, reason);
    if (this.failed.get(rel) !== reason) this.emit({ event: 'skip', path: rel, reason });
    this.failed.set(rel, reason);
  }

  /** The paths a pass looks at: the whole folder, or `paths` and what lies below them. */
  private async candidates(paths: Iterable<string> | undefined, result: PassResult): Promise<Map<string, Found>> {
    const found = new Map<string, Found>();
    const onError = (rel: string, e: unknown) => {
      if (rel && errno(e) !== 'ENOENT') this.fail(result, rel, fsError(e, rel).message);
    };
    const scan = async (root: string) => {
      for await (const w of walk(this.src, root, onError, this.excluded)) found.set(w.path, { kind: 'none' });
    };
    // Paths that failed before are looked at again (a directory with what is below it).
    const roots = paths === undefined ? [''] : [...new Set([...paths, ...this.failed.keys()])].filter((p) => p !== '');
    if (paths === undefined) await scan('');
    for (const p of roots) {
      if (p) found.set(p, { kind: 'none' });
      const prefix = p ? p + '/' : '';
      for (const k of [...this.state.files.keys(), ...this.state.dirs.keys()]) if (k.startsWith(prefix)) found.set(k, { kind: 'none' });
      if (p && (await this.inspect(p)).kind === 'dir') await scan(p);
    }
    for (const k of [...found.keys()]) found.set(k, await this.inspect(k));
    // Below a directory that cannot be read, nothing counts as deleted.
    for (const bad of result.failed.keys()) {
      for (const [k, f] of found) if (f.kind === 'none' && k.startsWith(bad + '/')) found.delete(k);
    }
    return found;
  }

  /**
   * Brings DEST up to date with SRC: the whole folder (a catch-up pass), or
   * the paths given (directories with everything below them).
   */
  async sync(paths?: Iterable<string>, opts: { noWait?: boolean } = {}): Promise<PassResult> {
    if (this.closed) throw new TypeError('the mirror is closed');
    const result: PassResult = { changes: 0, unstable: [], failed: new Map() };
    const found = await this.candidates(paths, result);
    const puts: [string, BigIntStats][] = [];
    const deletes = new Set<string>();
    const rmdirs: string[] = [];
    const mkdirs: [string, number][] = [];
    for (const [p, f] of [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (f.kind === 'error') {
        this.fail(result, p, f.reason);
        continue;
      }
      if (f.kind !== 'file' && this.state.files.has(p)) deletes.add(p);
      if (f.kind !== 'dir' && this.state.dirs.has(p)) rmdirs.push(p);
      // A directory that could not be listed stays failed (and is retried).
      if (f.kind !== 'file' && !result.failed.has(p)) this.failed.delete(p);
      if (f.kind === 'dir') {
        const mode = Number(f.st.mode) & 0o7777;
        if (this.state.dirs.get(p) !== mode) mkdirs.push([p, mode]);
      }
      if (f.kind === 'file') {
        if (this.unchanged(this.state.files.get(p), f.st)) this.failed.delete(p);
        else if (!opts.noWait && this.settling(f.st)) result.unstable.push(p);
        else puts.push([p, f.st]);
      }
    }
    const renamed = await this.renames(puts, deletes);
    for (const p of [...deletes].sort((a, b) => depth(b) - depth(a))) await this.record({ op: 'delete', path: p, time: now() }).then(() => result.changes++);
    for (const p of rmdirs.sort((a, b) => depth(b) - depth(a))) await this.record({ op: 'rmdir', path: p, time: now() }).then(() => result.changes++);
    for (const [p, mode] of mkdirs.sort(([a], [b]) => depth(a) - depth(b))) await this.record({ op: 'mkdir', path: p, mode, time: now() }).then(() => result.changes++);
    result.changes += renamed.size;
    for (const [p] of puts) if (!renamed.has(p)) await this.put(p, result);
    if (this.uncommitted) await this.commit();
    return result;
  }

  /**
   * New paths whose content equals a path that disappeared in the same pass are
   * renames (a moved file, an editor's save by rename): recorded as such, and the
   * object is reused instead of encrypted again. Only same-size pairs are hashed.
   */
  private async renames(puts: [string, BigIntStats][], deletes: Set<string>): Promise<Set<string>> {
    const done = new Set<string>();
    if (!deletes.size) return done;
    for (const [p, st] of puts) {
      if (this.state.files.has(p)) continue;
      const size = Number(st.size);
      const same = [...deletes].filter((q) => this.state.files.get(q)?.size === size);
      if (!same.length) continue;
      let digest: string;
      try {
        digest = await digestFile(under(this.src, p));
      } catch {
        continue; // the put below reports it
      }
      const from = same.find((q) => this.state.files.get(q)?.digest === digest);
      const old = from === undefined ? undefined : this.state.files.get(from);
      if (from === undefined || old === undefined) continue;
      deletes.delete(from);
      done.add(p);
      await this.record({
        op: 'rename', from, path: p, time: now(), object: old.object, size, mode: Number(st.mode) & 0o7777, mtimeNs: String(st.mtimeNs), digest,
      });
    }
    return done;
  }

  private async put(p: string, result: PassResult): Promise<void> {
    const nameKey = this.state.nameKey as string;
    const out = await encryptFile(under(this.src, p), p, join(this.dest, '.tmp'), this.writeKeys);
    if (out.kind === 'changed') {
      result.unstable.push(p);
      return;
    }
    if (out.kind === 'gone') {
      this.failed.delete(p);
      if (this.state.files.has(p)) {
        await this.record({ op: 'delete', path: p, time: now() });
        result.changes++;
      }
      return;
    }
    if (out.kind === 'failed') {
      this.fail(result, p, out.reason);
      return;
    }
    this.failed.delete(p);
    const prev = this.state.files.get(p);
    // Same content as recorded (only the time or mode changed): keep the object.
    const object = prev?.digest === out.digest ? prev.object : objectName(nameKey, p, out.digest);
    const target = objectPath(this.dest, object);
    if (this.referenced.has(object) && (await lstatOrNone(target))) await fs.rm(out.temp, { force: true });
    else {
      await fs.mkdir(dirname(target), { recursive: true });
      await fs.rename(out.temp, target);
      this.touched.add(dirname(target));
      this.unsynced.add(target);
    }
    await this.record({ op: 'put', path: p, time: now(), object, size: out.size, mode: out.mode, mtimeNs: out.mtimeNs, digest: out.digest });
    result.changes++;
  }

  /** Seals the journal (signed with the signer): the mirror matched the source now. */
  async checkpoint(force = false): Promise<number | undefined> {
    if (!this.sinceCheckpoint && !force) return undefined;
    const cp = { op: 'checkpoint' as const, time: now(), files: this.state.files.size, bytes: this.state.bytes };
    // The held-back entry goes first, unsigned: the seal right after it signs the apex.
    const held = this.pending;
    this.pending = undefined;
    if (held) await this.writer.append(held);
    const { index } = await this.writer.seal(encodeEntry(cp));
    await this.commit();
    this.sinceCheckpoint = false;
    this.emit({ event: 'checkpoint', entry: index, files: cp.files, bytes: cp.bytes });
    return index;
  }

  /** Checkpoints when anything changed, closes the journal and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.sinceCheckpoint) await this.checkpoint();
      await this.writer.close();
    } finally {
      await this.unlock();
    }
  }
}

/** Anything in DEST but what a mirror keeps there (a new mirror needs an empty folder). */
async function hasForeignContent(dest: string): Promise<boolean> {
  const ours = new Set(['objects', '.tmp', 'lock', lockPathOf(JOURNAL_FILE)]);
  for (const n of await fs.readdir(dest)) {
    if (!ours.has(n)) return true;
    if (n === 'objects' && (await fs.readdir(join(dest, n))).length) return true;
  }
  return false;
}

/**
 * A journal cut off while frame 0 or the first entry was written (a kill right
 * after the mirror was created) with no object yet: nothing to keep, start again.
 */
async function unfinishedJournal(journal: string, dest: string): Promise<boolean> {
  const st = await fs.stat(journal);
  if (st.size > 64 * 1024) return false;
  if ((await fs.readdir(join(dest, 'objects'))).length) return false;
  try {
    const r = await SequenceReader.open(journal);
    const last = r.last.index;
    await r.close();
    return last < 1;
  } catch (e) {
    if (e instanceof DareError && ['TRUNCATED', 'MALFORMED', 'HEADER_MALFORMED'].includes(e.code)) return true;
    throw e;
  }
}
