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
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes } from '../internal/bytes.js';
import { FileReader } from '../platform/file.js';
import type { DecryptionKey, RecipientKey, VerificationKey } from '../keys/types.js';
import type { SigningKeyLike } from '../keys/identity.js';
import { SequenceWriter } from '../sequence/writer.js';
import { SequenceReader, type OpenedFrame } from '../sequence/reader.js';
import { readFrameView, seekFrame, type FrameView } from '../sequence/frames.js';
import { frameDigest } from '../sequence/format.js';
import { MerkleFrontier } from '../sequence/merkle.js';
import { fromContentMeta, toContentMeta, type StoreMeta } from './meta.js';

/** Keys of a store. */
export interface StoreKeys {
  /**
   * Encrypt new frames to these public keys. At create they are recorded in the policy
   * (frame 0); at open they replace the policy's keys for the frames this session writes
   * (re-keying: a new key exchange, old frames keep theirs).
   */
  recipients?: readonly RecipientKey[];
  /** A shared secret (32 bytes recommended): encrypts new frames and decrypts. */
  secret?: Uint8Array;
  /** Private keys that decrypt frames encrypted to recipients. */
  keys?: readonly DecryptionKey[];
  /** Signs the apex when the store is sealed, and at close after changes: a private key or a signer. */
  signer?: SigningKeyLike;
  /**
   * Sign the apex in the trailer of every data frame written (needs `signer`): the file then
   * always ends with a signed frame, even when a process is killed between an append and the
   * seal, so readers that require a trusted last signature never find an unsigned tail of
   * their own writer's.
   */
  signFrames?: boolean;
}

export interface StoreCreateOptions extends StoreKeys {
  /** Content type of frame 0 (default: the store kind's, e.g. application/mmm-catalog). */
  contentType?: string;
  /** Largest payload `get` reads back (default 64 MiB; LIMIT_EXCEEDED beyond). */
  maxValueBytes?: number;
}

export interface StoreOpenOptions extends StoreCreateOptions {
  /** Require the last frame to carry a valid signature over the apex by one of these. */
  trustedSigners?: readonly VerificationKey[];
  /** Open without writing: no torn tail is cut, mutations throw TypeError. */
  readOnly?: boolean;
}

/** One data frame met while opening. */
export interface StoreFrame {
  readonly index: number;
  readonly position: number;
  readonly meta: StoreMeta;
  /** Payload length as carried (ciphertext when encrypted). */
  readonly carried: number;
}

/** A data frame read back. */
export interface ReadFrame {
  readonly index: number;
  readonly meta: StoreMeta;
  readonly payload: Uint8Array;
}

const DEFAULT_MAX_VALUE = 64 << 20;

function checkMax(n: number | undefined): number {
  if (n === undefined) return DEFAULT_MAX_VALUE;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('"maxValueBytes" must be a non-negative integer');
  return n;
}

export class Store {
  readonly path: string;
  /** Bytes cut (read-write) or ignored (read-only) after the last intact frame at open. */
  readonly tornBytes: number;
  private readonly file: FileReader;
  private readonly reader: SequenceReader;
  private readonly writer?: SequenceWriter;
  private readonly maxValue: number;
  private readonly signer?: SigningKeyLike;
  private readonly signFrames: boolean;
  private tail: number;
  private tailTree?: Uint8Array;
  private next: number;
  private dirty: boolean;
  private closed = false;
  private failed?: unknown;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: FileReader, reader: SequenceReader, writer: SequenceWriter | undefined, o: StoreOpenOptions, tornBytes: number) {
    this.path = path;
    this.file = file;
    this.reader = reader;
    this.writer = writer;
    this.maxValue = checkMax(o.maxValueBytes);
    this.signer = o.signer;
    if (o.signFrames && !o.signer) throw new RangeError('"signFrames" needs a signer');
    this.signFrames = o.signFrames === true;
    this.tornBytes = tornBytes;
    this.tail = reader.last.position;
    this.tailTree = reader.last.trailer?.treeDigest;
    this.next = reader.last.index + 1;
    // Unsealed until the last frame signs the apex (a seal, or a frame written with
    // signFrames), so close() signs it.
    const last = reader.last;
    this.dirty = !((last.isMeta || this.signFrames) && (last.trailer?.signatures?.length ?? 0) > 0);
  }

  /** Creates the file (OUTPUT_EXISTS if it exists) with frame 0 naming `contentType`. */
  static async create(path: string, contentType: string, o: StoreCreateOptions = {}): Promise<Store> {
    checkMax(o.maxValueBytes);
    const writer = await SequenceWriter.create(path, {
      type: 'Merkle', recipients: o.recipients, secret: o.secret, signer: o.signer,
      contentMeta: { contentType }, signFirst: o.signFrames === true && o.signer !== undefined,
    });
    return Store.attach(path, writer, o, 0);
  }

  /**
   * Opens a store, calling `onFrame` for each data frame in order (meta frames, such as
   * seals, are skipped). MISMATCH when frame 0 names another content type.
   */
  static async open(path: string, contentType: string, o: StoreOpenOptions, onFrame: (f: StoreFrame) => void): Promise<Store> {
    checkMax(o.maxValueBytes);
    let writer: SequenceWriter | undefined;
    let torn = 0;
    if (!o.readOnly) {
      writer = await SequenceWriter.open(path, { recipients: o.recipients, secret: o.secret, signer: o.signer });
      torn = writer.tornBytes;
    }
    const store = await Store.attach(path, writer, o, torn);
    try {
      await store.load(contentType, o.trustedSigners ?? [], onFrame);
    } catch (e) {
      await store.release();
      throw e;
    }
    return store;
  }

  private static async attach(path: string, writer: SequenceWriter | undefined, o: StoreOpenOptions, torn: number): Promise<Store> {
    let file: FileReader | undefined;
    try {
      file = await FileReader.open(path);
      const reader = await SequenceReader.open(file, {
        keys: o.keys, secrets: o.secret ? [o.secret] : [], trustedSigners: o.trustedSigners,
      });
      return new Store(path, file, reader, writer, o, writer ? torn : reader.tornBytes);
    } catch (e) {
      await file?.close();
      await writer?.close();
      throw e;
    }
  }

  private async load(contentType: string, trusted: readonly VerificationKey[], onFrame: (f: StoreFrame) => void): Promise<void> {
    const r = this.reader;
    const cty = (await r.open(r.first)).contentMeta?.contentType;
    if (cty !== contentType) throw new DareError('MISMATCH', `${this.path}: not a ${contentType} store (frame 0 says ${cty ?? 'nothing'})`);
    if (r.type !== 'Merkle') throw new DareError('UNSUPPORTED_ALGORITHM', `${this.path}: a store is a Merkle sequence, not ${r.type}`);
    // A signature over the apex means something only when the tree is recomputed.
    if (trusted.length && !r.checkable) throw new DareError('UNSUPPORTED_ALGORITHM', `${this.path}: tree digests of another digest scheme cannot be checked`);
    // Our digest scheme: recompute the tree from header records and trailer digests.
    const frontier = r.checkable ? new MerkleFrontier() : undefined;
    for await (const view of r.frames()) {
      if (frontier) {
        const pd = view.trailer?.payloadDigest;
        if (!pd) throw new DareError('HEADER_MALFORMED', `frame ${view.index}: no PayloadDigest`);
        const { treeDigest } = frontier.append(frameDigest(view.headerRecord, pd));
        const td = view.trailer?.treeDigest;
        if (!td || !equalBytes(td, treeDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree digest does not match`);
      }
      if (view.index === 0 || view.isMeta) continue;
      const opened = await this.opened(view);
      onFrame({ index: view.index, position: view.position, meta: fromContentMeta(opened.contentMeta, view.index), carried: view.payload?.length ?? 0 });
    }
    if (trusted.length) {
      const sigs = r.signaturesOf(r.last);
      const bad = sigs.find((s) => s.status === 'invalid');
      if (bad) throw new DareError('SIGNATURE_INVALID', `frame ${r.last.index}: signature by ${bad.kid ?? 'an unnamed key'} does not verify`);
      if (!sigs.some((s) => r.isTrusted(s))) {
        throw new DareError('SIGNATURE_INVALID', `${this.path}: the last frame (${r.last.index}) is not signed by a trusted key`);
      }
    }
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
    const run = this.queue.then(() => {
      this.usable();
      if (!this.writer) throw new TypeError(`${this.path}: opened read-only`);
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
      await this.file.refresh();
      this.tail = f.position;
      this.tailTree = f.treeDigest;
      this.next = f.index + 1;
      this.dirty = !this.signFrames;
      return { index: f.index, position: f.position };
    } catch (e) {
      // A key problem is found before a byte is written; anything else may leave a partial frame.
      if (!(e instanceof DareError && (e.code === 'NO_MATCHING_KEY' || e.code === 'KEY_INVALID'))) this.failed = e;
      throw e;
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
      const f = await w.seal();
      await w.flush();
      await this.file.refresh();
      this.tail = f.position;
      this.tailTree = f.treeDigest;
      this.next = f.index + 1;
      this.dirty = false;
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  /** Seals when there is a signer and something was written, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.writer && this.failed === undefined) await this.exclusive(async () => this.sealNow());
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
      await this.reader.close();
      await this.file.close();
    }
  }
}
