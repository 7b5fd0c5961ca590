/**
 * Replica operations of DARE sequences, on files (issue 15; mesh brief §7): the head of a
 * sequence file, appending frames checked by replica.ts verbatim (byte-identical, fsynced),
 * cutting a sequence back to a frame, and reading frames as their exact bytes (Download).
 *
 * Writers: like SequenceWriter, these take `<path>.lock` (lib/platform/lock.ts) unless the
 * caller passes the lock it holds, or says that it keeps writers out itself (`locked`: the
 * service's store holds one lock for its whole root).
 * @module
 */
import { DareError } from '../errors.js';
import { previousFrameStart, readFrame } from '../encoding/jbcd.js';
import { FileAppender, FileReader } from '../platform/file.js';
import { acquireLock, lockPathOf, type WriteLock } from '../platform/lock.js';
import { pathKind, syncDirectory } from '../platform/directory.js';
import { findTail, readFrameView, seekFrame } from './frames.js';
import { loadState } from './writer.js';
import { treeFrontierFrames } from './positions.js';
import { EMPTY_REPLICA, type CheckedFrames, type ReplicaState } from './replica.js';

export interface ReplicaWriteOptions {
  /** The writer lock of the file, held by the caller (it is not released here). */
  lock?: WriteLock;
  /** The caller keeps other writers out by other means: no lock is taken. */
  locked?: boolean;
}

/** A state and what lies after the last intact frame. */
export interface ReplicaFileState {
  readonly state: ReplicaState;
  /** Bytes after the last intact frame (an interrupted append); they are not part of the state. */
  readonly tornBytes: number;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

async function withLock<T>(path: string, o: ReplicaWriteOptions, fn: () => Promise<T>): Promise<T> {
  const own = o.lock || o.locked ? undefined : acquireLock(lockPathOf(path), path);
  try {
    return await fn();
  } finally {
    own?.release();
  }
}

/**
 * The replica state of a sequence file, read from O(log n) frames (the writer's reopen: the
 * frontier's TreeNodes checked against the last TreeDigest, frame 0 against the tree). An
 * empty file has the empty state. UNSUPPORTED_ALGORITHM for a type that does not chain.
 */
export async function readReplicaState(path: string): Promise<ReplicaFileState> {
  const r = await FileReader.open(path);
  try {
    if ((await r.size()) === 0) return { state: EMPTY_REPLICA, tornBytes: 0 };
    const s = await loadState(r);
    if (s.type !== 'Merkle' && s.type !== 'Chain') throw new DareError('UNSUPPORTED_ALGORITHM', `${path}: a ${s.type} sequence does not chain its frames`);
    const apex = s.type === 'Merkle' ? s.last.trailer?.treeDigest : s.last.trailer?.chainDigest;
    if (apex === undefined) throw new DareError('HEADER_MALFORMED', `${path}: frame ${s.last.index} carries no apex`);
    const frames = s.type === 'Merkle' ? treeFrontierFrames(s.last.index) : [];
    const state: ReplicaState = {
      type: s.type, index: s.last.index, apex: apex.slice(), end: s.last.end,
      nodes: s.frontier?.nodes() ?? [], positions: frames.map((f) => s.positions.get(f) as number),
    };
    return { state, tornBytes: s.tornBytes };
  } finally {
    await r.close();
  }
}

/** The head of a sequence file: the index of its last intact frame and the apex there. */
export async function sequenceHead(path: string): Promise<{ index: number; apex: Uint8Array }> {
  const { state } = await readReplicaState(path);
  return { index: state.index, apex: state.apex };
}

/**
 * An open sequence file that frames checked by {@link checkFrames} are appended to verbatim:
 * for a writer that appends often (the service's store keeps one per container), without an
 * open and a close per append. Takes the lock as {@link ReplicaWriteOptions} say, until close.
 */
export class ReplicaAppender {
  readonly path: string;
  private readonly out: FileAppender;
  private readonly own?: WriteLock;

  private constructor(path: string, out: FileAppender, own?: WriteLock) {
    this.path = path;
    this.out = out;
    this.own = own;
  }

  /** Opens the file, creating it (and syncing its folder) when there is none. */
  static async open(path: string, options: ReplicaWriteOptions = {}): Promise<ReplicaAppender> {
    const own = options.lock || options.locked ? undefined : acquireLock(lockPathOf(path), path);
    try {
      const fresh = (await pathKind(path)) === undefined;
      const out = await FileAppender.open(path, fresh);
      if (fresh) await syncDirectory(dirOf(path));
      return new ReplicaAppender(path, out, own);
    } catch (e) {
      own?.release();
      throw e;
    }
  }

  /** Where the next frame goes. */
  get end(): number {
    return this.out.end;
  }

  /**
   * Appends the checked frames, fsynced unless `durable` is false (then written, and left to
   * the operating system until {@link sync}: a kill -9 keeps them, a power cut may not).
   * CONFLICT when the file does not end where the frames were checked to start.
   */
  async append(checked: CheckedFrames, durable = true): Promise<ReplicaState> {
    if (this.out.end !== checked.from.end) {
      throw new DareError('CONFLICT', `${this.path}: the file ends at offset ${this.out.end}, the frames were checked to follow offset ${checked.from.end}`);
    }
    for (const f of checked.frames) this.out.write(f);
    if (durable) await this.out.sync();
    else await this.out.flush();
    return checked.state;
  }

  async sync(): Promise<void> {
    await this.out.sync();
  }

  /** Cuts the file to `end` (a state known to be a prefix of it) and fsyncs. */
  async cut(to: ReplicaState): Promise<void> {
    if (this.out.end < to.end) throw new DareError('CONFLICT', `${this.path}: the file ends at offset ${this.out.end}, before offset ${to.end}`);
    await this.out.truncate(to.end);
    await this.out.sync();
  }

  /** Fsyncs and closes (and releases a lock it took). */
  async close(): Promise<void> {
    try {
      await this.out.close();
    } finally {
      this.own?.release();
    }
  }
}

/**
 * Appends frames checked by {@link checkFrames} verbatim and fsyncs them (a new file is
 * created for frames from frame 0, and its folder synced). CONFLICT when the file does not
 * end where the frames were checked to start (another writer, or a torn tail to cut first).
 * Returns the state after them.
 */
export async function appendFrames(path: string, checked: CheckedFrames, options: ReplicaWriteOptions = {}): Promise<ReplicaState> {
  if (checked.from.index >= 0 && (await pathKind(path)) === undefined) throw new DareError('IO', `${path}: no such file or directory`);
  const a = await ReplicaAppender.open(path, options);
  try {
    return await a.append(checked);
  } finally {
    await a.close();
  }
}

/**
 * Cuts a sequence file after frame `to` (-1: to nothing), or to the end of a state known to
 * be a prefix of the file, and fsyncs. Returns the state after the cut. NOT_FOUND when the
 * file has no frame `to`.
 */
export async function cutSequence(path: string, to: number | ReplicaState, options: ReplicaWriteOptions = {}): Promise<ReplicaState> {
  return withLock(path, options, async () => {
    let end: number;
    if (typeof to !== 'number') end = to.end;
    else if (!Number.isSafeInteger(to) || to < -1) throw new RangeError('the frame to cut back to must be an integer ≥ -1');
    else end = to < 0 ? 0 : await frameEnd(path, to);
    const out = await FileAppender.open(path, false);
    try {
      if (out.end < end) throw new DareError('CONFLICT', `${path}: the file ends at offset ${out.end}, before offset ${end}`);
      await out.truncate(end);
      await out.sync();
    } finally {
      await out.close();
    }
    return typeof to === 'number' ? (await readReplicaState(path)).state : to;
  });
}

async function frameEnd(path: string, index: number): Promise<number> {
  const r = await FileReader.open(path);
  try {
    const first = await readFrameView(r, 0);
    const { last } = await findTail(r, first);
    if (index > last.index) throw new DareError('NOT_FOUND', `${path}: no frame ${index}, the sequence ends at frame ${last.index}`);
    return (index === 0 ? first : await seekFrame(r, last, index)).end;
  } finally {
    await r.close();
  }
}

export interface RawReadLimits {
  /** At most this many frames (≥ 1). */
  readonly maxFrames: number;
  /** At most this many bytes, except that the first frame is returned whatever its size. */
  readonly maxBytes: number;
  /** Where the readable frames end (a writer's committed end); default: the last intact frame. */
  readonly end?: number;
}

export interface RawFrames {
  /** Frames from the index asked for, exactly as in the file. */
  readonly frames: Uint8Array[];
  /** The index of the last readable frame (-1 for an empty file). */
  readonly last: number;
  /** The index to read next when the page stopped before `last`. */
  readonly next?: number;
}

/** Frames `from`, `from + 1`, … as bytes, within `limits` (Download); never the whole file. */
export async function readFrames(path: string, from: number, limits: RawReadLimits): Promise<RawFrames> {
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('"from" must be a non-negative integer');
  if (!Number.isSafeInteger(limits.maxFrames) || limits.maxFrames < 1) throw new RangeError('"maxFrames" must be a positive integer');
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) throw new RangeError('"maxBytes" must be a positive integer');
  const r = await FileReader.open(path);
  try {
    const size = await r.size();
    const end = limits.end ?? size;
    if (end > size) throw new DareError('TRUNCATED', `${path}: ends at offset ${size}, before offset ${end}`);
    if (end === 0) return { frames: [], last: -1 };
    const first = await readFrameView(r, 0);
    const last = limits.end === undefined ? (await findTail(r, first)).last : await readFrameView(r, await previousFrameStart(r, end));
    if (last.end !== end) throw new DareError('SEQUENCE_ORDER', `${path}: no frame ends at offset ${end}`);
    if (from > last.index) return { frames: [], last: last.index };
    let at = (from === 0 ? first : from === last.index ? last : await seekFrame(r, last, from)).position;
    const frames: Uint8Array[] = [];
    let bytes = 0;
    let index = from;
    while (index <= last.index && frames.length < limits.maxFrames) {
      const f = await readFrame(r, at);
      const n = f.end - at;
      if (frames.length > 0 && bytes + n > limits.maxBytes) break;
      const b = await r.read(at, n);
      if (b.length !== n) throw new DareError('TRUNCATED', `${path}: frame ${index} is cut off`);
      frames.push(b.slice());
      bytes += n;
      at = f.end;
      index++;
    }
    return index <= last.index ? { frames, last: last.index, next: index } : { frames, last: last.index };
  } finally {
    await r.close();
  }
}
