/**
 * Appending to DARE Sequences (draft-hallambaker-mesh-dare-12 §1.3, §4; docs/FORMAT.md §8).
 *
 * - One key exchange per writer session (§1.3.3): the session's first encrypted frame
 *   carries the recipients, later frames point at it with ExchangePosition; every frame
 *   has its own Salt, so keys are never reused.
 * - Frames are written whole in one pass: the trailer's length is known in advance
 *   (its fields have fixed sizes), so a payload of known length streams to disk.
 * - Integrity: PayloadDigest, a running ChainDigest or the Merkle TreeDigest/TreeNode
 *   per frame; `seal()` writes a meta frame whose trailer signs the apex.
 * - Append safety: reopening cuts a torn tail (an interrupted append) before writing.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { frameHeader, frameTrailer, recordHeader, recordSize } from '../encoding/jbcd.js';
import { type RandomAccessReader } from '../internal/random-access.js';
import { FileAppender, FileReader } from '../platform/file.js';
import { acquireLock, lockPathOf, type WriteLock } from '../platform/lock.js';
import { equalBytes } from '../internal/bytes.js';
import type { RecipientKey } from '../keys/types.js';
import type { SigningKeyLike } from '../keys/identity.js';
import type { ContentMeta } from '../envelope/content-meta.js';
import { encodeMetadata } from '../envelope/metadata.js';
import { deriveItemKeys, masterKeyId } from '../envelope/keyschedule.js';
import { wrapForRecipient } from '../envelope/recipients.js';
import { payloadMac, ciphertextLength } from '../envelope/writer.js';
import { apexClaim, signApex } from '../envelope/signatures.js';
import { purposeContext } from '../crypto/purposes.js';
import type { DareHeader, DareTrailer, SequenceInfo, SignatureEntry } from '../envelope/schema.js';
import { encodeHeaderRecord, encodeTrailerRecord, frameDigest, emptyDigest, usesDigest, usesTreePosition, DATA_ENCODING, DIGEST_SCHEME, type SequenceType } from './format.js';
import { MerkleFrontier, verifyInclusion } from './merkle.js';
import { FrameLocator } from './locator.js';
import { Chain } from './chain.js';
import { previousFrame, treeFrontierFrames } from './positions.js';
import { findTail, readFrameView, seekFrame, type FrameView } from './frames.js';
import { readPolicy, type SequencePolicy, policyValue } from './policy.js';
import { checkWriterTrust, type TrustReport, type WriterTrust } from './trust.js';

export interface SequenceKeys {
  /** Encrypt new frames to these keys (default: the keys named in the sequence's policy). */
  recipients?: readonly RecipientKey[];
  /** Encrypt new frames under this shared secret. */
  secret?: Uint8Array;
  /** Sign the apex when the session is sealed: a private key, or a signer (a combined or stored key). */
  signer?: SigningKeyLike;
  /** The purpose of those signatures, their RFC 8032 context (default `dare/apex/v1`; docs/FORMAT.md §8). */
  purpose?: string;
}

/**
 * The writer lock (lib/platform/lock.ts): by default the writer takes `<path>.lock` itself and
 * releases it on close(). A caller that must hold the lock over more than the writer's life
 * (reading an archive's index before appending, cutting back on abort) takes it and passes it
 * here; the writer then leaves releasing it to that caller.
 */
export interface LockOption {
  lock?: WriteLock;
}

export interface CreateOptions extends SequenceKeys, LockOption {
  type?: SequenceType;
  /** Metadata of frame 0 (what kind of sequence this is). */
  contentMeta?: ContentMeta;
  /**
   * Sign the apex in frame 0's trailer with `signer`: a sequence that may stay at frame 0 for
   * a while (a log just created) is then vouched for from the start (docs/FORMAT.md §8).
   */
  signFirst?: boolean;
  /** Permission bits of the new file before the umask (default 0644; a temporary: 0600). */
  mode?: number;
}

export interface OpenOptions extends SequenceKeys, LockOption {
  /**
   * What the writer trusts (lib/sequence/trust.ts): with it, open() refuses (SIGNATURE_INVALID)
   * to sign over frames after the last signature by a trusted key unless they are adopted, and
   * to follow a policy nobody trusted vouched for.
   */
  trust?: WriterTrust;
  /** Named in errors (default: the path). */
  name?: string;
}

export interface AppendOptions {
  contentMeta?: ContentMeta;
  annotations?: readonly Uint8Array[];
  /** A meta frame (index, deletion marker, signature) rather than a data frame. */
  isMeta?: boolean;
  /**
   * Sign the apex in this frame's trailer with the writer's signer, as seal() does but
   * on a data frame: a log signs the last entry of a session (docs/FORMAT.md §10).
   */
  sign?: boolean;
  /** Required when the payload is a stream. */
  payloadLength?: number;
}

export interface AppendedFrame {
  readonly index: number;
  readonly position: number;
  readonly end: number;
  readonly treeDigest?: Uint8Array;
  /** FD(n), the frame's Merkle leaf (format.ts): lets an index bind each frame it names. */
  readonly frameDigest: Uint8Array;
}

interface Session {
  master: Uint8Array;
  /** masterKeyId(master), the header kid of every frame of the session. */
  kid: string;
  /** Position of the frame that carries this session's key exchange, once written. */
  exchangePosition?: number;
  recipients: readonly RecipientKey[];
}

const EMPTY = new Uint8Array(0);

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

/** Random bytes are drawn 4 KiB at a time: a call per 16-byte frame salt cost more than the rest of the salt's use. */
let pool = new Uint8Array(0);
let poolAt = 0;

function randomBytes(n: number): Uint8Array {
  if (n > 1024) return crypto.getRandomValues(new Uint8Array(n));
  if (poolAt + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    poolAt = 0;
  }
  // A copy, so that no two callers share memory, and the pool's bytes are used once.
  const out = pool.slice(poolAt, poolAt + n);
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

export class SequenceWriter {
  readonly path: string;
  readonly type: SequenceType;
  readonly policy: SequencePolicy;
  /** Bytes cut from the end of the file when it was opened (an interrupted append). */
  readonly tornBytes: number;
  private readonly out: FileAppender;
  private readonly keys: SequenceKeys;
  private readonly frontier?: MerkleFrontier;
  private readonly chain?: Chain;
  /** Start positions of the frames TreePosition may still point at. */
  private readonly positions = new Map<number, number>();
  private next: number;
  private session?: Session;
  private lastDigest?: Uint8Array;
  /** The lock this writer took itself (released on close). */
  private ownLock?: WriteLock;
  /** FD(0), frame 0's Merkle leaf (checked against the tree on open): an archive index names it. */
  frameZero?: Uint8Array;
  /** What open() found about trust (OpenOptions.trust), when it was asked. */
  trust?: TrustReport;
  /** The TreeDigest of the last frame when the session started (open(); Merkle sequences). */
  startApex?: Uint8Array;

  private constructor(path: string, out: FileAppender, type: SequenceType, policy: SequencePolicy, keys: SequenceKeys, next: number, tornBytes: number, frontier?: MerkleFrontier, chain?: Chain) {
    this.path = path;
    this.out = out;
    this.type = type;
    this.policy = policy;
    this.keys = keys;
    this.next = next;
    this.tornBytes = tornBytes;
    this.frontier = frontier;
    this.chain = chain;
    if (keys.purpose !== undefined) purposeContext(keys.purpose);
  }

  /** Creates a new sequence file (OUTPUT_EXISTS if there is one) and writes frame 0. */
  static async create(path: string, options: CreateOptions = {}): Promise<SequenceWriter> {
    const type = options.type ?? 'Merkle';
    const policy: SequencePolicy = {
      digestScheme: DIGEST_SCHEME,
      encryptKeys: options.recipients ?? [],
      secretKid: options.secret ? masterKeyId(options.secret) : undefined,
      signKeys: options.signer ? [{ crv: options.signer.crv, publicKey: options.signer.publicKey }] : [],
    };
    const own = options.lock ? undefined : acquireLock(lockPathOf(path), path);
    let out: FileAppender;
    try {
      out = await FileAppender.open(path, true, options.mode);
    } catch (e) {
      own?.release();
      throw e;
    }
    const w = new SequenceWriter(path, out, type, policy, options, 0, 0,
      type === 'Merkle' ? new MerkleFrontier() : undefined, type === 'Chain' ? new Chain() : undefined);
    w.ownLock = own;
    const header: DareHeader = {
      policy: policyValue(policy),
      sequenceInfo: { dataEncoding: DATA_ENCODING, containerType: type, index: 0 },
    };
    if (options.contentMeta) Object.assign(header, encodeMetadata(options.contentMeta, undefined, undefined).fields);
    const signer = options.signFirst ? options.signer : undefined;
    if (options.signFirst && !signer) throw new RangeError('"signFirst" needs a signer');
    w.frameZero = (await w.writeFrame(header, once(EMPTY), 0, [], true, undefined, signer && w.apexSignatures(signer, 0))).frameDigest;
    await out.sync();
    return w;
  }

  /**
   * Opens a sequence for appending. A torn tail is cut off first (reported in
   * `tornBytes`); the Merkle frontier is rebuilt from O(log n) frames.
   */
  static async open(path: string, keys: OpenOptions = {}): Promise<SequenceWriter> {
    // Locked before the tail is read: what another writer appends meanwhile must not be missed.
    const own = keys.lock ? undefined : acquireLock(lockPathOf(path), path);
    try {
      const reader = await FileReader.open(path);
      let state: Awaited<ReturnType<typeof loadState>>;
      let trust: TrustReport | undefined;
      try {
        state = await loadState(reader);
        // Before anything is cut or written: a refused session leaves the file as it was.
        if (keys.trust) {
          const signer = keys.signer && { crv: keys.signer.crv, publicKey: keys.signer.publicKey };
          trust = await checkWriterTrust(reader, state.first, state.last, state.policy, {
            ...keys.trust, signer, recipients: keys.recipients, name: keys.name ?? path, purpose: keys.purpose,
          });
        }
      } finally {
        await reader.close();
      }
      const out = await FileAppender.open(path, false);
      if (state.tornBytes > 0) await out.truncate(state.last.end);
      const w = new SequenceWriter(path, out, state.type, state.policy, keys, state.last.index + 1, state.tornBytes, state.frontier, state.chain);
      for (const [i, p] of state.positions) w.positions.set(i, p);
      w.frameZero = state.frameZero;
      w.ownLock = own;
      w.trust = trust;
      w.startApex = state.last.trailer?.treeDigest;
      return w;
    } catch (e) {
      own?.release();
      throw e;
    }
  }

  /** Index the next frame will get. */
  get frameCount(): number {
    return this.next;
  }

  private recipients(): readonly RecipientKey[] {
    return this.keys.recipients ?? this.policy.encryptKeys;
  }

  private encrypting(): boolean {
    return this.recipients().length > 0 || this.keys.secret !== undefined || this.policy.secretKid !== undefined;
  }

  private sessionFor(): Session {
    if (this.session) return this.session;
    const secret = this.keys.secret;
    if (this.policy.secretKid !== undefined) {
      if (secret === undefined) throw new DareError('NO_MATCHING_KEY', 'this sequence is encrypted under a shared secret: give the secret to append');
      if (masterKeyId(secret) !== this.policy.secretKid) throw new DareError('NO_MATCHING_KEY', 'the secret given is not the one this sequence is encrypted under');
    }
    const master = secret ?? randomBytes(32);
    this.session = { master, kid: masterKeyId(master), recipients: secret ? [] : this.recipients() };
    return this.session;
  }

  /** Appends one frame whose payload is `payload` (bytes, or a stream of payloadLength bytes). */
  async append(payload: Uint8Array | AsyncIterable<Uint8Array>, options: AppendOptions = {}): Promise<AppendedFrame> {
    const length = payload instanceof Uint8Array ? payload.length : options.payloadLength;
    if (length === undefined || !Number.isSafeInteger(length) || length < 0) throw new RangeError('"payloadLength" is required for a streamed payload');
    const signer = options.sign ? this.keys.signer : undefined;
    if (options.sign && !signer) throw new RangeError('"sign" needs a signer in the writer\'s keys');
    return this.appendFrame(payload instanceof Uint8Array ? once(payload) : payload, length, options, signer);
  }

  private async appendFrame(source: AsyncIterable<Uint8Array>, length: number, options: AppendOptions, signer?: SigningKeyLike): Promise<AppendedFrame> {
    const index = this.next;
    const info: SequenceInfo = { index };
    if (usesTreePosition(this.type)) info.treePosition = this.positionOf(previousFrame(index));
    if (options.isMeta) info.isMeta = true;
    const header: DareHeader = { sequenceInfo: info };
    let crypt: { master: Uint8Array; salt: Uint8Array } | undefined;
    let exchange = false;
    if (this.encrypting()) {
      const s = this.sessionFor();
      crypt = { master: s.master, salt: randomBytes(16) };
      Object.assign(header, { enc: 'A256CBC', kid: s.kid, salt: crypt.salt });
      if (s.exchangePosition !== undefined) info.exchangePosition = s.exchangePosition;
      else if (s.recipients.length) {
        header.recipients = s.recipients.map((r) => wrapForRecipient(s.master, r));
        exchange = true;
      }
    }
    const meta = encodeMetadata(options.contentMeta, options.annotations, crypt);
    Object.assign(header, meta.fields);
    const frame = await this.writeFrame(header, source, length, meta.edsTags, false, crypt, signer && this.apexSignatures(signer, index));
    if (exchange && this.session) this.session.exchangePosition = frame.position;
    return frame;
  }

  /** The trailer signatures of frame `index`: the apex statement (frame count and TreeDigest, or ChainDigest, or PayloadDigest), docs/FORMAT.md §8. */
  private apexSignatures(signer: SigningKeyLike, index: number): (t: DareTrailer) => SignatureEntry[] {
    return (t) => {
      const [kind, digest] = t.treeDigest ? ['tree', t.treeDigest] as const : t.chainDigest ? ['chain', t.chainDigest] as const : ['payload', t.payloadDigest as Uint8Array] as const;
      return [signApex(apexClaim(kind, index + 1, digest, this.keys.purpose), signer)];
    };
  }

  private positionOf(index: number): number {
    const p = this.positions.get(index);
    if (p === undefined) throw new RangeError(`internal error: position of frame ${index} is not known`);
    return p;
  }

  /** Writes a frame: header, payload (encrypted when `crypt`), trailer. */
  private async writeFrame(
    header: DareHeader, source: AsyncIterable<Uint8Array>, length: number, edsTags: Uint8Array[], frameZero: boolean,
    crypt?: { master: Uint8Array; salt: Uint8Array }, signatures?: (t: DareTrailer) => SignatureEntry[],
  ): Promise<AppendedFrame> {
    const index = this.next;
    const headerRecord = encodeHeaderRecord(header, frameZero);
    const carried = crypt ? ciphertextLength(length) : length;
    const digestNeeded = usesDigest(this.type) || crypt !== undefined || signatures !== undefined;
    // Every trailer field has a fixed size, so a trailer of placeholders has the final length.
    const trailerLength = this.trailerLength(digestNeeded, crypt !== undefined, signatures);
    const body = recordSize(headerRecord.length) + recordSize(carried) + recordSize(trailerLength);
    const position = this.out.end;
    this.out.write(frameHeader(body));
    this.out.write(recordHeader(headerRecord.length));
    this.out.write(headerRecord);
    this.out.write(recordHeader(carried));
    const backend = getBackend();
    const hasher = digestNeeded ? backend.createHash('sha512') : undefined;
    const keys = crypt && deriveItemKeys(crypt.master, crypt.salt);
    const cipher = keys && backend.createAesCbcEncryptor(keys.encryptionKey, keys.iv);
    let read = 0;
    let written = 0;
    const put = (b: Uint8Array) => {
      if (!b.length) return;
      hasher?.update(b);
      written += b.length;
      this.out.write(b);
    };
    for await (const chunk of source) {
      read += chunk.length;
      if (read > length) throw new DareError('IO', 'the input grew while it was read');
      put(cipher ? cipher.update(chunk) : chunk);
      if (this.out.end - position > 1 << 20) await this.out.flush();
    }
    if (read !== length) throw new DareError('IO', 'the input shrank while it was read');
    if (cipher) put(cipher.final());
    if (written !== carried) throw new RangeError('internal error: payload length mismatch');
    const payloadDigest = hasher ? hasher.digest() : emptyDigest();
    const fd = frameDigest(headerRecord, payloadDigest);
    const trailer = this.trailerFor(payloadDigest, fd, digestNeeded, crypt !== undefined);
    if (keys) trailer.payloadMac = payloadMac(keys.macKey, payloadDigest, edsTags);
    if (signatures) trailer.signatures = signatures(trailer);
    const trailerRecord = encodeTrailerRecord(trailer);
    if (trailerRecord.length !== trailerLength) throw new RangeError('internal error: trailer length changed');
    this.out.write(recordHeader(trailerRecord.length));
    this.out.write(trailerRecord);
    this.out.write(frameTrailer(body));
    // Buffered across frames (one write per MiB, not per frame) but bounded, so memory stays flat.
    if (this.out.buffered >= 1 << 20) await this.out.flush();
    this.advance(index, position);
    this.lastDigest = trailer.treeDigest ?? trailer.chainDigest ?? trailer.payloadDigest;
    return { index, position, end: this.out.end, treeDigest: trailer.treeDigest, frameDigest: fd };
  }

  /** Lengths of unsigned trailers by shape: the same for every frame of a session. */
  private readonly trailerLengths = new Map<string, number>();

  /** The encoded length of a trailer of this shape, from a trailer of placeholders. */
  private trailerLength(digest: boolean, mac: boolean, signatures?: (t: DareTrailer) => SignatureEntry[]): number {
    const shape = `${digest}/${mac}`;
    const known = signatures ? undefined : this.trailerLengths.get(shape);
    if (known !== undefined) return known;
    const placeholder = this.trailerFor(new Uint8Array(64), undefined, digest, mac);
    if (signatures) placeholder.signatures = signatures(placeholder);
    const n = encodeTrailerRecord(placeholder).length;
    if (!signatures) this.trailerLengths.set(shape, n);
    return n;
  }

  /**
   * The trailer of a frame with these digests, advancing the running chain or tree;
   * with `fd` undefined, a placeholder of the same shape that changes nothing.
   */
  private trailerFor(payloadDigest: Uint8Array, fd: Uint8Array | undefined, digest: boolean, mac: boolean): DareTrailer {
    const t: DareTrailer = {};
    if (digest) t.payloadDigest = payloadDigest;
    if (this.chain) t.chainDigest = fd ? this.chain.append(fd) : new Uint8Array(64);
    if (this.frontier) {
      const r = fd ? this.frontier.append(fd) : { treeDigest: new Uint8Array(64), treeNode: new Uint8Array(64) };
      t.treeDigest = r.treeDigest;
      t.treeNode = r.treeNode;
    }
    if (mac) t.payloadMac = new Uint8Array(32);
    return t;
  }

  private advance(index: number, position: number): void {
    this.positions.set(index, position);
    this.next = index + 1;
    // Keep only the frames a later TreePosition can name: the frontier of the new last frame.
    if (this.positions.size > 128) {
      const keep = new Set([index, ...treeFrontierFrames(index)]);
      for (const k of this.positions.keys()) if (!keep.has(k)) this.positions.delete(k);
    }
  }

  /**
   * Appends a meta frame whose trailer signs the apex (TreeDigest for Merkle sequences,
   * ChainDigest for Chain, else PayloadDigest): one signature authenticates every frame
   * up to and including it. `payload` carries an index or other meta data.
   */
  async seal(payload: Uint8Array = EMPTY, options: Omit<AppendOptions, 'isMeta' | 'payloadLength'> = {}): Promise<AppendedFrame> {
    return this.appendFrame(once(payload), payload.length, { ...options, isMeta: true }, this.keys.signer);
  }

  /** The apex (or last digest) after the last frame written in this session. */
  get apex(): Uint8Array | undefined {
    return this.lastDigest;
  }

  async flush(): Promise<void> {
    await this.out.sync();
  }

  async close(): Promise<void> {
    try {
      await this.out.close();
    } finally {
      this.ownLock?.release();
    }
  }
}

/**
 * What a writer needs from an existing file to continue it (also what a replica's head is
 * read from, replica.ts): the type, policy, first and last intact frames, the torn bytes
 * after them, the Merkle frontier (checked against the last TreeDigest and frame 0) or the
 * chain, and the positions of the frontier frames.
 */
export async function loadState(r: RandomAccessReader) {
  const first = await readFrameView(r, 0);
  const info = first.header.sequenceInfo;
  const type = info?.containerType as SequenceType | undefined;
  if (first.index !== 0 || type === undefined) throw new DareError('HEADER_MALFORMED', 'frame 0 does not describe a sequence');
  const policy = readPolicy(first.header.policy);
  if (policy.digestScheme !== DIGEST_SCHEME) throw new DareError('UNSUPPORTED_ALGORITHM', 'this sequence was written by another implementation: appending is not supported');
  const { last, tornBytes } = await findTail(r, first);
  const positions = new Map<number, number>([[last.index, last.position]]);
  let frontier: MerkleFrontier | undefined;
  let chain: Chain | undefined;
  if (type === 'Merkle' || usesTreePosition(type)) {
    const frames = treeFrontierFrames(last.index);
    const views: FrameView[] = [];
    for (const i of frames) {
      const v = i === last.index ? last : await seekByIndex(r, last, i, positions);
      positions.set(i, v.position);
      views.push(v);
    }
    if (type === 'Merkle') {
      const nodes = views.map((v) => {
        if (v.trailer?.treeNode?.length !== 64) throw new DareError('HEADER_MALFORMED', `frame ${v.index} has no 64-byte TreeNode`);
        return v.trailer.treeNode;
      });
      frontier = MerkleFrontier.fromNodes(last.index + 1, nodes);
      const apex = last.trailer?.treeDigest;
      if (!apex || !equalBytes(frontier.root(), apex)) throw new DareError('MERKLE_MISMATCH', 'the tree nodes on file do not give the last frame\'s TreeDigest');
      // New frames are encrypted to the keys frame 0's policy names: check that frame 0 is
      // the one the tree holds (O(log² n) reads), so a changed policy is not followed.
      if (last.index > 0) {
        const locate = new FrameLocator(r, last, first);
        const l = await locate.leaf(0);
        if (!verifyInclusion(frameDigest(l.headerRecord, l.payloadDigest), 0, last.index + 1, await locate.auditPath(0, last.index + 1), apex)) {
          throw new DareError('MERKLE_MISMATCH', 'frame 0 (the sequence\'s policy) is not the one its tree holds: the file was changed');
        }
      }
    }
  }
  if (type === 'Chain') {
    const cd = last.trailer?.chainDigest;
    if (cd?.length !== 64) throw new DareError('HEADER_MALFORMED', `frame ${last.index} has no 64-byte ChainDigest`);
    chain = Chain.resume(cd);
  }
  const frameZero = first.trailer?.payloadDigest ? frameDigest(first.headerRecord, first.trailer.payloadDigest) : undefined;
  return { type, policy, first, last, tornBytes, frontier, chain, positions, frameZero };
}

async function seekByIndex(r: RandomAccessReader, last: FrameView, index: number, known: Map<number, number>): Promise<FrameView> {
  const p = known.get(index);
  return p !== undefined ? readFrameView(r, p) : seekFrame(r, last, index);
}
