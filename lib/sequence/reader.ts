/**
 * Reading and verifying DARE Sequences (draft-hallambaker-mesh-dare-12 §4, §6;
 * docs/FORMAT.md §8): frames forwards or by index, payloads decrypted and checked
 * (digest and MAC before the last block is released), and a full verification of
 * every frame, the chain or Merkle tree and the signatures.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import { collectBytes, equalBytes } from '../internal/bytes.js';
import { FileReader } from '../platform/file.js';
import type { VerificationKey } from '../keys/types.js';
import type { DecryptionKeyLike } from '../keys/identity.js';
import { decodeContentMeta, type ContentMeta } from '../envelope/content-meta.js';
import { decodeEds } from '../envelope/eds.js';
import { deriveItemKeys, masterKeyId, type ItemKeys } from '../envelope/keyschedule.js';
import { unwrapMaster } from '../envelope/recipients.js';
import { parseHeader } from '../envelope/schema.js';
import { checkApexSignatures, isTrustedCheck, type SignatureCheck } from '../envelope/signatures.js';
import type { ApexKind } from '../crypto/purposes.js';
import { payloadMac } from '../envelope/writer.js';
import { frameDigest, emptyDigest, DIGEST_SCHEME, usesTreePosition, type SequenceType } from './format.js';
import { findTail, readFrameView, seekFrame, type FrameView } from './frames.js';
import { readPolicy, type SequencePolicy } from './policy.js';

export interface SequenceReadOptions {
  keys?: readonly DecryptionKeyLike[];
  secrets?: readonly Uint8Array[];
  trustedSigners?: readonly VerificationKey[];
  allowUnauthenticated?: boolean;
  /** The purpose apex signatures must have been made for (default `dare/apex/v1`; docs/FORMAT.md §8). */
  purpose?: string;
  /**
   * Let a legacy apex signature (no purpose: an empty context over the apex digest alone,
   * which an envelope signature over a 129-byte file also is) by a trusted key count as
   * trusted. Default false.
   */
  acceptLegacySignatures?: boolean;
}

/** A frame with its metadata opened. */
export interface OpenedFrame {
  readonly view: FrameView;
  readonly encrypted: boolean;
  /** False when the frame is encrypted and no key opened it. */
  readonly opened: boolean;
  readonly contentMeta?: ContentMeta;
  readonly annotations: readonly Uint8Array[];
  readonly keys?: ItemKeys;
  readonly edsTags: readonly Uint8Array[];
  readonly unauthenticatedEds: boolean;
}

export class SequenceReader {
  readonly type: SequenceType;
  readonly policy: SequencePolicy;
  readonly first: FrameView;
  readonly last: FrameView;
  readonly tornBytes: number;
  readonly source: RandomAccessReader;
  readonly options: SequenceReadOptions;
  private readonly owned?: FileReader;
  private readonly masters = new Map<number, Uint8Array>();
  private readonly kids = new Map<Uint8Array, string>();
  private secretKids?: string[];

  private constructor(source: RandomAccessReader, first: FrameView, last: FrameView, tornBytes: number, options: SequenceReadOptions, owned?: FileReader) {
    this.source = source;
    this.first = first;
    this.last = last;
    this.tornBytes = tornBytes;
    this.options = options;
    this.owned = owned;
    this.type = first.header.sequenceInfo?.containerType as SequenceType;
    this.policy = readPolicy(first.header.policy);
  }

  /** Opens a sequence file (or any random-access source); a torn tail is reported, not read. */
  static async open(source: string | RandomAccessReader, options: SequenceReadOptions = {}): Promise<SequenceReader> {
    const owned = typeof source === 'string' ? await FileReader.open(source) : undefined;
    const r = owned ?? (source as RandomAccessReader);
    try {
      if ((await r.size()) === 0) throw new DareError('TRUNCATED', 'the sequence is empty');
      const first = await readFrameView(r, 0);
      const type = first.header.sequenceInfo?.containerType;
      if (first.index !== 0 || type === undefined) throw new DareError('HEADER_MALFORMED', 'frame 0 does not describe a sequence');
      if (!['List', 'Digest', 'Chain', 'Tree', 'Merkle'].includes(type)) throw new DareError('UNSUPPORTED_ALGORITHM', `sequence type ${type} is not supported`);
      const { last, tornBytes } = await findTail(r, first);
      return new SequenceReader(r, first, last, tornBytes, options, owned);
    } catch (e) {
      await owned?.close();
      throw e;
    }
  }

  /** Our digest scheme: chain and tree values can be checked. */
  get checkable(): boolean {
    return this.policy.digestScheme === DIGEST_SCHEME;
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  /** Frame `index`, found through TreePosition links from the last frame. */
  async frame(index: number): Promise<FrameView> {
    if (index === 0) return this.first;
    return seekFrame(this.source, this.last, index);
  }

  async frameAt(position: number): Promise<FrameView> {
    return readFrameView(this.source, position);
  }

  /** Frames in order from `from` (inclusive) to the last intact frame. */
  async *frames(from = 0): AsyncGenerator<FrameView> {
    if (from > this.last.index) return; // e.g. frames(1) of a sequence that has only frame 0
    // Frame 1 follows frame 0; seeking it from the end would walk back over every frame of a List.
    let f = from === 0 ? this.first : from === 1 ? await readFrameView(this.source, this.first.end) : await this.frame(from);
    if (f.index !== from) throw new DareError('SEQUENCE_ORDER', `frame at offset ${f.position} has index ${f.index}, expected ${from}`);
    for (;;) {
      yield f;
      if (f.index >= this.last.index) {
        // The tail found from the end must be this frame, not a later one with a repeated index.
        if (f.position !== this.last.position) throw new DareError('SEQUENCE_ORDER', `frame ${f.index} at offset ${f.position} is followed by more frames; the file ends with a frame ${this.last.index} at offset ${this.last.position}`);
        return;
      }
      const next = await readFrameView(this.source, f.end);
      if (next.index !== f.index + 1) throw new DareError('SEQUENCE_ORDER', `frame at offset ${next.position} has index ${next.index}, expected ${f.index + 1}`);
      f = next;
    }
  }

  /** The master key of an encrypted frame: its own recipients, its ExchangePosition, or a secret. */
  private async masterOf(view: FrameView): Promise<Uint8Array | undefined> {
    const h = view.header;
    const secrets = this.options.secrets ?? [];
    // The key ids of the secrets, computed once (a SHA-512 each): not once per frame.
    this.secretKids ??= secrets.map((s) => masterKeyId(s));
    const at0 = h.kid === undefined ? -1 : this.secretKids.indexOf(h.kid);
    if (at0 >= 0) return secrets[at0];
    const at = h.recipients?.length ? view.position : h.sequenceInfo?.exchangePosition;
    if (at === undefined) return undefined;
    const cached = this.masters.get(at);
    if (cached) return cached;
    if (!(this.options.keys?.length)) return undefined;
    const holder = at === view.position ? view : await readFrameView(this.source, at);
    if (holder.index >= view.index && holder !== view) throw new DareError('SEQUENCE_ORDER', `frame ${view.index} points to a later key exchange`);
    if (!holder.header.recipients?.length) throw new DareError('HEADER_MALFORMED', `ExchangePosition of frame ${view.index} names a frame without recipients`);
    const master = await unwrapMaster(holder.header.recipients, this.options.keys);
    this.masters.set(at, master);
    return master;
  }

  /**
   * The master key of an encrypted frame, checked against the frame's own `kid` in our
   * digest scheme: the kid is in the header record, which the tree binds, and names the
   * master key (a 128-bit hash of it), so a key exchange frame that someone rewrote (a
   * new master wrapped with a recipient's public key) is caught even when only this frame
   * is authenticated.
   */
  private async checkedMaster(view: FrameView): Promise<Uint8Array | undefined> {
    const master = await this.masterOf(view);
    if (master === undefined || !this.checkable) return master;
    const kid = this.kids.get(master) ?? masterKeyId(master);
    this.kids.set(master, kid);
    if (view.header.kid !== kid) throw new DareError('MAC_INVALID', `frame ${view.index}: the key exchange gives another master key than the frame names (${view.header.kid ?? 'no kid'})`);
    return master;
  }

  /** Opens a frame's metadata (decrypting it when a key is available). */
  async open(view: FrameView): Promise<OpenedFrame> {
    const h = view.header;
    const encrypted = h.enc !== undefined && h.enc.toLowerCase() !== 'none';
    if (encrypted && h.enc !== 'A256CBC') throw new DareError('UNSUPPORTED_ALGORITHM', `frame ${view.index}: encryption ${h.enc} is not supported`);
    if (encrypted && !h.salt) throw new DareError('HEADER_MALFORMED', `frame ${view.index}: encrypted without a Salt`);
    const master = encrypted ? await this.checkedMaster(view) : undefined;
    if (encrypted && !master) {
      return { view, encrypted, opened: false, annotations: [], edsTags: [], unauthenticatedEds: false };
    }
    const ctx = master && { master, salt: h.salt as Uint8Array };
    const allow = this.options.allowUnauthenticated === true;
    const edsTags: Uint8Array[] = [];
    let unauthenticatedEds = false;
    const openEds = (eds: Uint8Array) => {
      const d = decodeEds(eds, ctx, allow);
      if (ctx) {
        if (d.tag) edsTags.push(d.tag);
        else unauthenticatedEds = true;
      }
      return d.data;
    };
    let contentMeta: ContentMeta | undefined;
    if (h.cloaked) {
      const cloaked = parseHeader(decodeJsonB(openEds(h.cloaked)), 'cloaked header');
      if (cloaked.contentMetaData) contentMeta = decodeContentMeta(cloaked.contentMetaData);
    }
    const annotations = (h.annotations ?? []).map(openEds);
    if (!contentMeta && h.contentMetaData) contentMeta = decodeContentMeta(h.contentMetaData);
    return {
      view, encrypted, opened: true, contentMeta, annotations, edsTags, unauthenticatedEds,
      keys: master ? deriveItemKeys(master, h.salt as Uint8Array) : undefined,
    };
  }

  /** The payload bytes as carried, in pieces. */
  private async *carried(view: FrameView): AsyncGenerator<Uint8Array> {
    const p = view.payload;
    if (!p) return;
    // Small payloads come from the reader's block cache (one system call per 64 KiB of
    // frames, not one per frame); large ones stream past it.
    if (this.source instanceof FileReader && p.length >= 1 << 16) {
      yield* this.source.stream(p.dataPosition, p.length);
      return;
    }
    for (let off = 0; off < p.length; off += 1 << 20) {
      const want = Math.min(1 << 20, p.length - off);
      const piece = await this.source.read(p.dataPosition + off, want);
      // A short read means the source ended (a file cut after it was opened): stop, do not skip.
      if (piece.length < want) throw new DareError('TRUNCATED', `frame ${view.index}: the payload ends at offset ${p.dataPosition + off}`);
      yield piece;
    }
  }

  /**
   * The payload of a frame: plaintext when it is encrypted and a key opens it, else the
   * bytes as carried. Checks the PayloadDigest and MAC before the last block and throws
   * a DareError when either fails. Resolves `digest` to the PayloadDigest computed.
   * `decrypt: false` checks the digest and MAC of an opened frame without decrypting
   * (the MAC is over the ciphertext) and yields the bytes as carried.
   */
  async *payload(frame: OpenedFrame, out?: { digest?: Uint8Array }, options: { decrypt?: boolean } = {}): AsyncGenerator<Uint8Array> {
    const backend = getBackend();
    const hasher = backend.createHash('sha512');
    const cipher = frame.keys && options.decrypt !== false ? backend.createAesCbcDecryptor(frame.keys.encryptionKey, frame.keys.iv) : undefined;
    let n = 0;
    for await (const piece of this.carried(frame.view)) {
      n += piece.length;
      hasher.update(piece);
      if (!cipher) yield piece;
      else {
        const o = cipher.update(piece);
        if (o.length) yield o;
      }
    }
    const digest = n === 0 && !frame.view.payload ? emptyDigest() : hasher.digest();
    if (out) out.digest = digest;
    checkFrameIntegrity(frame, digest, this.options.allowUnauthenticated === true);
    if (frame.keys && n === 0) throw new DareError('MALFORMED', `frame ${frame.view.index}: encrypted payload is empty`);
    if (cipher) {
      const last = cipher.final();
      if (last.length) yield last;
    }
  }

  /** The whole payload of a (small) frame. */
  async readPayload(frame: OpenedFrame, max = 64 << 20): Promise<Uint8Array> {
    return collectBytes(this.payload(frame), max, `frame ${frame.view.index}: the payload`);
  }

  /**
   * Checks a frame's signatures against the value it signs (docs/FORMAT.md §8): the
   * TreeDigest (Merkle), the ChainDigest (Chain), else its PayloadDigest, with the frame
   * count, under the expected purpose. The value is the one the frame carries: only a
   * verifier that recomputed it knows that it covers the frames.
   */
  signaturesOf(view: FrameView, trusted: readonly VerificationKey[] = this.options.trustedSigners ?? []): SignatureCheck[] {
    const t = view.trailer;
    const entries = [...(view.header.signatures ?? []), ...(t?.signatures ?? [])];
    if (!entries.length) return [];
    const claim = signedValue(view);
    if (!claim) throw new DareError('SIGNATURE_INVALID', `frame ${view.index} is signed but carries no digest`);
    return checkApexSignatures(entries, { ...claim, size: view.index + 1, purpose: this.options.purpose }, trusted);
  }

  /** Whether a check counts as trusted under these options (legacy signatures only when accepted). */
  isTrusted(s: SignatureCheck): boolean {
    return isTrustedCheck(s, this.options.acceptLegacySignatures === true);
  }

  /** Whether TreePosition and Index of `view` are right, given the positions seen. */
  checkPosition(view: FrameView, positions: ReadonlyMap<number, number>, previous: (n: number) => number): void {
    if (!usesTreePosition(this.type) || view.index === 0) return;
    const expected = positions.get(previous(view.index));
    const tp = view.header.sequenceInfo?.treePosition;
    if (expected !== undefined && tp !== expected) throw new DareError('SEQUENCE_ORDER', `frame ${view.index}: TreePosition ${tp} should be ${expected}`);
  }
}

/** The value a frame's signatures sign: its TreeDigest, else ChainDigest, else PayloadDigest. */
export function signedValue(view: FrameView): { kind: ApexKind; digest: Uint8Array } | undefined {
  const t = view.trailer;
  if (t?.treeDigest) return { kind: 'tree', digest: t.treeDigest };
  if (t?.chainDigest) return { kind: 'chain', digest: t.chainDigest };
  if (t?.payloadDigest) return { kind: 'payload', digest: t.payloadDigest };
  return undefined;
}

/** PayloadDigest and MAC of one frame (the MAC only when a key opened it). */
export function checkFrameIntegrity(frame: OpenedFrame, digest: Uint8Array, allowUnauthenticated: boolean): void {
  const t = frame.view.trailer;
  const i = frame.view.index;
  if (t?.payloadDigest && !equalBytes(t.payloadDigest, digest)) throw new DareError('DIGEST_MISMATCH', `frame ${i}: payload digest does not match`);
  if (!frame.keys) return;
  if (!t?.payloadMac || frame.unauthenticatedEds) {
    if (!allowUnauthenticated) throw new DareError('UNAUTHENTICATED', `frame ${i}: encrypted payload carries no mac (use --allow-unauthenticated)`);
    return;
  }
  if (!equalBytes(payloadMac(frame.keys.macKey, digest, frame.edsTags), t.payloadMac)) {
    throw new DareError('MAC_INVALID', `frame ${i}: payload mac does not verify`);
  }
}

export { frameDigest };
