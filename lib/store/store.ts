/**
 * The persistence layer shared by catalogs and spools (draft-hallambaker-mesh-dare-12 §7;
 * docs/FORMAT.md §11): a DARE Merkle sequence whose frame 0 names the kind of store, and
 * whose data frames carry store metadata (./meta.ts) and a payload.
 *
 * - Open walks every frame's header and trailer, never a payload: the metadata is in
 *   the header (cloaked EDS when encrypted, MAC-checked), and the Merkle tree is
 *   recomputed from the header records and the trailers' PayloadDigests, so every
 *   header is bound to the apex. A payload is checked against its PayloadDigest (and
 *   MAC) when it is read. With trusted signers, the last frame must sign the apex.
 * - Every append is fsynced before the caller's state changes; a torn last frame
 *   (an append cut by a crash) is cut off when the store is reopened for writing.
 * - Mutations run one at a time (a promise queue); the store holds no payloads.
 * - Batches (issue 15): several frames written with one write and one fsync, all or none:
 *   each frame but the last of a batch says how many follow (StoreMeta.batch), and a batch
 *   cut short by a crash is not applied, and is cut off when the store is opened for writing.
 * - Replicas: {@link Store.refresh} applies frames another writer appended to the file;
 *   {@link Store.appendFrames} appends frames written elsewhere, verbatim, after the keyless
 *   check of lib/sequence/replica.ts. Sealing at close can be switched off (`sealOnClose`).
 * @module
 */
import { DareError } from '../errors.js';
import { FileReader } from '../platform/file.js';
import type { RecipientKey, VerificationKey } from '../keys/types.js';
import type { SigningKeyLike } from '../keys/identity.js';
import { acquireLock, lockPathOf, type WriteLock } from '../platform/lock.js';
import { SequenceWriter } from '../sequence/writer.js';
import { SequenceReader, type OpenedFrame } from '../sequence/reader.js';
import { readFrameView, seekFrame, type FrameView } from '../sequence/frames.js';
import { MerkleFrontier } from '../sequence/merkle.js';
import { checkFrames } from '../sequence/replica.js';
import { appendFrames, cutSequence, readReplicaState } from '../sequence/replica-file.js';
import { AppliedFrames } from './applied.js';
import { fromContentMeta, toContentMeta, type StoreMeta } from './meta.js';
import { checkMax, type BatchFrame, type ReadFrame, type StoreCreateOptions, type StoreFrame, type StoreOpenOptions } from './options.js';

export type { StoreKeys, StoreCreateOptions, StoreOpenOptions, StoreFrame, ReadFrame, BatchFrame } from './options.js';

export class Store {
  readonly path: string;
  private torn: number;
  private readonly file: FileReader;
  private readonly reader: SequenceReader;
  private writer?: SequenceWriter;
  private readonly lock?: WriteLock;
  private readonly keys: StoreOpenOptions;
  private readonly maxValue: number;
  private readonly signer?: SigningKeyLike;
  private readonly signFrames: boolean;
  private readonly sealOnClose: boolean;
  /** The last frame applied (a batch cut short is not), and the tree after it. */
  private applied: AppliedFrames;
  private onFrame: (f: StoreFrame) => void = () => undefined;
  private tail: number;
  private tailTree?: Uint8Array;
  private next: number;
  private dirty = false;
  private closed = false;
  private failed?: unknown;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: FileReader, reader: SequenceReader, writer: SequenceWriter | undefined, lock: WriteLock | undefined, o: StoreOpenOptions, tornBytes: number) {
    this.path = path;
    this.file = file;
    this.reader = reader;
    this.writer = writer;
    this.lock = lock;
    this.keys = o;
    this.maxValue = checkMax(o.maxValueBytes);
    this.signer = o.signer;
    if (o.signFrames && !o.signer) throw new RangeError('"signFrames" needs a signer');
    this.signFrames = o.signFrames === true;
    this.sealOnClose = o.sealOnClose !== false;
    this.torn = tornBytes;
    this.applied = new AppliedFrames(reader.last, undefined);
    this.tail = reader.last.position;
    this.tailTree = reader.last.trailer?.treeDigest;
    this.next = reader.last.index + 1;
    this.mark(reader.last);
  }

  /** Bytes cut (read-write) or ignored (read-only) after the last intact frame (or complete batch) at open. */
  get tornBytes(): number {
    return this.torn;
  }

  private get last(): FrameView {
    return this.applied.last;
  }

  /** `view` is the last frame applied. */
  private mark(view: FrameView): void {
    this.tail = view.position;
    this.tailTree = view.trailer?.treeDigest;
    this.next = view.index + 1;
    // Unsealed until the last frame signs the apex (a seal, or a frame written with
    // signFrames), so close() signs it.
    this.dirty = !((view.isMeta || this.signFrames) && (view.trailer?.signatures?.length ?? 0) > 0);
  }

  /** Creates the file (OUTPUT_EXISTS if it exists) with frame 0 naming `contentType`. */
  static async create(path: string, contentType: string, o: StoreCreateOptions = {}): Promise<Store> {
    checkMax(o.maxValueBytes);
    const lock = acquireLock(lockPathOf(path), path);
    let writer: SequenceWriter;
    try {
      writer = await SequenceWriter.create(path, {
        type: 'Merkle', recipients: o.recipients, secret: o.secret, signer: o.signer, lock,
        contentMeta: { contentType }, signFirst: o.signFrames === true && o.signer !== undefined,
      });
    } catch (e) {
      lock.release();
      throw e;
    }
    const store = await Store.attach(path, writer, lock, o, 0);
    const frontier = new MerkleFrontier();
    frontier.append(writer.frameZero as Uint8Array);
    store.applied = new AppliedFrames(store.last, frontier);
    return store;
  }

  /**
   * Opens a store, calling `onFrame` for each data frame in order (meta frames, such as
   * seals, are skipped). MISMATCH when frame 0 names another content type.
   */
  static async open(path: string, contentType: string, o: StoreOpenOptions, onFrame: (f: StoreFrame) => void): Promise<Store> {
    checkMax(o.maxValueBytes);
    let writer: SequenceWriter | undefined;
    let torn = 0;
    let lock: WriteLock | undefined;
    if (!o.readOnly) {
      // The store holds the lock itself, so that it can reopen its writer (a batch cut short,
      // frames appended verbatim) without another writer slipping in between.
      lock = acquireLock(lockPathOf(path), path);
      try {
        writer = await SequenceWriter.open(path, { recipients: o.recipients, secret: o.secret, signer: o.signer, lock });
      } catch (e) {
        lock.release();
        throw e;
      }
      torn = writer.tornBytes;
    }
    const store = await Store.attach(path, writer, lock, o, torn);
    try {
      store.onFrame = onFrame;
      await store.load(contentType, o.trustedSigners ?? []);
    } catch (e) {
      await store.release();
      throw e;
    }
    return store;
  }

  private static async attach(path: string, writer: SequenceWriter | undefined, lock: WriteLock | undefined, o: StoreOpenOptions, torn: number): Promise<Store> {
    let file: FileReader | undefined;
    try {
      file = await FileReader.open(path);
      const reader = await SequenceReader.open(file, {
        keys: o.keys, secrets: o.secret ? [o.secret] : [], trustedSigners: o.trustedSigners,
      });
      return new Store(path, file, reader, writer, lock, o, writer ? torn : reader.tornBytes);
    } catch (e) {
      await file?.close();
      await writer?.close();
      lock?.release();
      throw e;
    }
  }

  private async load(contentType: string, trusted: readonly VerificationKey[]): Promise<void> {
    const r = this.reader;
    const cty = (await r.open(r.first)).contentMeta?.contentType;
    if (cty !== contentType) throw new DareError('MISMATCH', `${this.path}: not a ${contentType} store (frame 0 says ${cty ?? 'nothing'})`);
    if (r.type !== 'Merkle') throw new DareError('UNSUPPORTED_ALGORITHM', `${this.path}: a store is a Merkle sequence, not ${r.type}`);
    // A signature over the apex means something only when the tree is recomputed.
    if (trusted.length && !r.checkable) throw new DareError('UNSUPPORTED_ALGORITHM', `${this.path}: tree digests of another digest scheme cannot be checked`);
    // Our digest scheme: recompute the tree from header records and trailer digests.
    this.applied = new AppliedFrames(r.first, r.checkable ? new MerkleFrontier() : undefined);
    for await (const view of r.frames()) await this.take(view);
    await this.endOfFrames(r.last.end);
    if (trusted.length) {
      const sigs = r.signaturesOf(this.last);
      const bad = sigs.find((s) => s.status === 'invalid');
      if (bad) throw new DareError('SIGNATURE_INVALID', `frame ${this.last.index}: signature by ${bad.kid ?? 'an unnamed key'} does not verify`);
      if (!sigs.some((s) => r.isTrusted(s))) {
        throw new DareError('SIGNATURE_INVALID', `${this.path}: the last frame (${this.last.index}) is not signed by a trusted key`);
      }
    }
  }

  /** Checks one frame against the tree and applies it, or holds it until its batch is whole. */
  private async take(view: FrameView): Promise<void> {
    await this.applied.take(view, async (v) => {
      const opened = await this.opened(v);
      return { index: v.index, position: v.position, meta: fromContentMeta(opened.contentMeta, v.index), carried: v.payload?.length ?? 0 };
    }, this.onFrame);
    if (this.applied.last === view) this.mark(view);
  }

  /**
   * After the last frame read: a batch cut short (a crash in its write) is not applied
   * (applied.ts), and a writer cuts it off the file. `end` is where the frames read end.
   */
  private async endOfFrames(end: number, torn = true): Promise<void> {
    if (!(await this.applied.dropHeld(this.file))) return;
    if (torn) this.torn += end - this.last.end;
    if (!this.writer) return;
    await this.writer.close();
    this.writer = undefined;
    await cutSequence(this.path, this.last.index, { lock: this.lock });
    await this.reopenWriter();
  }

  private async reopenWriter(): Promise<void> {
    const o = this.keys;
    await this.writer?.close();
    this.writer = undefined;
    this.writer = await SequenceWriter.open(this.path, { recipients: o.recipients, secret: o.secret, signer: o.signer, lock: this.lock });
    await this.file.refresh();
  }

  /**
   * Applies the frames another writer appended to the file since the last frame applied
   * (a read-only store beside a writer, or after {@link appendFrames}): checked against the
   * tree as at open. A frame still being written, or a batch not yet whole, is left for the
   * next refresh. Returns the number of frames applied.
   */
  async refresh(): Promise<number> {
    return this.mutation(async () => this.refreshNow());
  }

  private async refreshNow(): Promise<number> {
    await this.file.refresh();
    const size = await this.file.size();
    const before = this.next;
    let at = this.last.end;
    const from = this.last;
    while (at < size) {
      let view: FrameView;
      try {
        view = await readFrameView(this.file, at);
      } catch (e) {
        if (e instanceof DareError && (e.code === 'TRUNCATED' || e.code === 'MALFORMED')) break; // being written
        throw e;
      }
      const expected = this.last.index + this.applied.holding + 1;
      if (view.index !== expected) throw new DareError('SEQUENCE_ORDER', `${this.path}: frame at offset ${at} has index ${view.index}, expected ${expected}`);
      await this.take(view);
      at = view.end;
    }
    // A batch not whole yet is read again next time (read-only), or cut off (a writer).
    await this.endOfFrames(at, this.writer !== undefined);
    if (this.writer && this.last !== from) await this.reopenWriter();
    return this.next - before;
  }

  /**
   * Appends frames written elsewhere (another copy of this store), verbatim, after the
   * keyless check of lib/sequence/replica.ts against this file, then applies them as
   * {@link refresh} does (with the keys: metadata opened, histories checked). Returns the
   * number of frames applied.
   */
  async appendFrames(frames: readonly Uint8Array[]): Promise<number> {
    return this.exclusive(async () => {
      try {
        const { state } = await readReplicaState(this.path);
        if (state.index !== this.last.index) throw new DareError('CONFLICT', `${this.path}: the file has frames this store has not applied`);
        await appendFrames(this.path, await checkFrames(state, frames), { lock: this.lock });
      } catch (e) {
        if (!(e instanceof DareError) || e.code === 'IO') this.failed = e;
        throw e;
      }
      try {
        return await this.refreshNow();
      } catch (e) {
        this.failed = e;
        throw e;
      }
    });
  }

  private async opened(view: FrameView): Promise<OpenedFrame> {
    const o = await this.reader.open(view);
    if (!o.opened) throw new DareError('NO_MATCHING_KEY', `frame ${view.index} is encrypted and no key given opens it`);
    return o;
  }

  /** The last frame's index, offset and tree digest (as carried). */
  lastFrame(): { index: number; position: number; treeDigest?: Uint8Array } {
    return { index: this.next - 1, position: this.tail, treeDigest: this.tailTree };
  }

  /** Index the next frame will get. */
  get frameCount(): number {
    return this.next;
  }

  /** The public keys named in the policy (frame 0). */
  get policyRecipients(): readonly RecipientKey[] {
    return this.writer?.policy.encryptKeys ?? this.reader.policy.encryptKeys;
  }

  get writable(): boolean {
    return this.writer !== undefined;
  }

  private usable(): void {
    if (this.closed) throw new TypeError(`${this.path}: the store is closed`);
    if (this.failed !== undefined) throw new DareError('IO', `${this.path}: an earlier write failed; reopen the store`, { cause: this.failed });
  }

  /**
   * Runs `fn` after every mutation queued before it: a check-then-append in `fn` sees
   * the state its append changes.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutation(() => {
      if (!this.writer) throw new TypeError(`${this.path}: opened read-only`);
      return fn();
    });
  }

  /** Runs `fn` in the queue of mutations (refresh runs there too, read-only or not). */
  private mutation<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.usable();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Appends a data frame and fsyncs it; call inside {@link exclusive}. */
  async append(meta: StoreMeta, payload: Uint8Array): Promise<{ index: number; position: number }> {
    const w = this.writer as SequenceWriter;
    try {
      const f = await w.append(payload, { contentMeta: toContentMeta(meta), sign: this.signFrames });
      await w.flush();
      await this.wrote();
      return { index: f.index, position: f.position };
    } catch (e) {
      // A key problem is found before a byte is written; anything else may leave a partial frame.
      if (!(e instanceof DareError && (e.code === 'NO_MATCHING_KEY' || e.code === 'KEY_INVALID'))) this.failed = e;
      throw e;
    }
  }

  /**
   * Appends the frames of a batch, each with one write and one fsync in all: the frames but
   * the last carry how many follow, so that a batch cut short by a crash is not applied
   * (and is cut off by the next writer). With signFrames, the last frame is signed. Call
   * inside {@link exclusive}.
   */
  async appendBatch(frames: readonly BatchFrame[]): Promise<{ index: number; position: number }[]> {
    const w = this.writer as SequenceWriter;
    const out: { index: number; position: number }[] = [];
    try {
      for (let i = 0; i < frames.length; i++) {
        const { meta, payload } = frames[i] as BatchFrame;
        const rest = frames.length - 1 - i;
        const f = await w.append(payload, { contentMeta: toContentMeta({ ...meta, batch: rest > 0 ? rest : undefined }), sign: this.signFrames && rest === 0 });
        out.push({ index: f.index, position: f.position });
      }
      await w.flush();
      await this.wrote();
      return out;
    } catch (e) {
      if (!(e instanceof DareError && (e.code === 'NO_MATCHING_KEY' || e.code === 'KEY_INVALID') && out.length === 0)) this.failed = e;
      throw e;
    }
  }

  /** After frames written by the writer: the tree and the last frame follow them. */
  private async wrote(): Promise<void> {
    await this.file.refresh();
    const size = await this.file.size();
    let at = this.last.end;
    while (at < size) {
      const view = await readFrameView(this.file, at);
      this.applied.wrote(view);
      this.mark(view);
      at = view.end;
    }
  }

  /** The frame at `position` with its metadata and payload (checked: digest, MAC). */
  async readAt(position: number): Promise<ReadFrame> {
    this.usable();
    return this.read(await readFrameView(this.file, position));
  }

  /** The frame with index `index` (found through TreePosition links from the last frame). */
  async readIndex(index: number, withPayload = true): Promise<ReadFrame> {
    this.usable();
    const view = await seekFrame(this.file, await readFrameView(this.file, this.tail), index);
    return this.read(view, withPayload);
  }

  private async read(view: FrameView, withPayload = true): Promise<ReadFrame> {
    if (view.index === 0 || view.isMeta) throw new DareError('SEQUENCE_ORDER', `frame ${view.index} is not a data frame`);
    const o = await this.opened(view);
    const meta = fromContentMeta(o.contentMeta, view.index);
    const payload = withPayload ? await this.reader.readPayload(o, this.maxValue) : new Uint8Array(0);
    return { index: view.index, meta, payload };
  }

  /** Every data frame in order, metadata only (for stores written without Previous links). */
  async *scan(): AsyncGenerator<StoreFrame> {
    this.usable();
    let view = this.reader.first;
    while (view.index + 1 < this.next) {
      const nextView = await readFrameView(this.file, view.end);
      if (nextView.index !== view.index + 1) throw new DareError('SEQUENCE_ORDER', `frame at offset ${nextView.position} has index ${nextView.index}, expected ${view.index + 1}`);
      view = nextView;
      if (view.isMeta) continue;
      const o = await this.opened(view);
      yield { index: view.index, position: view.position, meta: fromContentMeta(o.contentMeta, view.index), carried: view.payload?.length ?? 0 };
    }
  }

  /** Appends a meta frame whose trailer signs the apex, unless the last frame already is one (no-op without a signer). */
  async seal(): Promise<void> {
    await this.exclusive(async () => this.sealNow());
  }

  private async sealNow(): Promise<void> {
    const w = this.writer as SequenceWriter;
    if (!this.signer || !this.dirty) return;
    try {
      await w.seal();
      await w.flush();
      await this.wrote();
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  /** Seals when there is a signer and something was written, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.writer && this.failed === undefined && this.sealOnClose) await this.exclusive(async () => this.sealNow());
      else await this.queue;
    } finally {
      this.closed = true;
      await this.release();
    }
  }

  private async release(): Promise<void> {
    try {
      await this.writer?.close();
    } finally {
      this.lock?.release();
      await this.reader.close();
      await this.file.close();
    }
  }
}
