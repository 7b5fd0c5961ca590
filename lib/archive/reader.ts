/**
 * Reading DARE Archives (docs/FORMAT.md §9). The last frame is the index: opening an
 * archive reads frame 0, the last frame (and, when encrypted, the frame with its key
 * exchange), so listing and extracting one file cost O(log n) frames whatever the size
 * of the archive. Each entry is read with SequenceReader.frameAt(position) and checked
 * against the FrameDigest the index names. An archive whose last frame is not an index
 * (an append was interrupted, or a write-only session sealed it) is read by a scan of
 * every header.
 *
 * Trust given is trust enforced: with trusted signers, open() refuses an archive unless
 * its last frame carries a trusted signature over its apex, the apex is the tree over
 * the frames read (the index frame and the TreeNodes of the frontier, or every header of
 * a scan) and frame 0 is in that tree; every entry is then read through the index, whose
 * FrameDigests the apex covers, and each encrypted frame's master key must be the one
 * its (covered) header names. checkBeforeExtract() covers what an extraction acts on
 * beyond the files it reads.
 * @module
 */
import { DareError } from '../errors.js';
import { collectBytes, equalBytes } from '../internal/bytes.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import type { SignatureCheck } from '../envelope/signatures.js';
import type { VerificationKey } from '../keys/types.js';
import { SequenceReader, type OpenedFrame, type SequenceReadOptions } from '../sequence/reader.js';
import type { FrameView } from '../sequence/frames.js';
import { emptyDigest, frameDigest } from '../sequence/format.js';
import { MerkleFrontier, verifyInclusion } from '../sequence/merkle.js';
import { FrameLocator } from '../sequence/locator.js';
import { treeFrontierFrames } from '../sequence/positions.js';
import { findLastTrusted, untrustedTailMessage, verifySequence } from '../sequence/verify.js';
import { ARCHIVE_TYPE, MAX_INDEX_BYTES, decodeIndexPayload, frameRole, isWithin, type EntryMeta, type IndexEntry } from './format.js';

export type ArchiveReadOptions = SequenceReadOptions;

/** One step of an archive's history, in frame order (for copies that keep it). */
export type HistoryItem = { kind: 'entry'; entry: IndexEntry } | { kind: 'deleted'; path: string; index: number };

function noKey(reader: SequenceReader): DareError {
  const haveKeys = (reader.options.keys?.length ?? 0) + (reader.options.secrets?.length ?? 0) > 0;
  return new DareError('NO_MATCHING_KEY', haveKeys ? 'none of the keys given opens this archive' : 'the archive is encrypted: give --identity or --key');
}

/** The meta of an index entry (without its location). */
export function entryMeta(e: EntryMeta): EntryMeta {
  return { path: e.path, kind: e.kind, size: e.size, mode: e.mode, modified: e.modified, target: e.target };
}

async function opened(seq: SequenceReader, view: FrameView): Promise<OpenedFrame> {
  const o = await seq.open(view);
  if (!o.opened) throw noKey(seq);
  return o;
}

export class ArchiveReader {
  readonly sequence: SequenceReader;
  /** True when the last frame is an index (else entries come from a scan of every frame). */
  readonly indexed: boolean;
  /** The checks of the last frame's signatures when the reader was opened with trusted signers. */
  readonly trust?: readonly SignatureCheck[];
  private readonly live: Map<string, IndexEntry>;
  /** PayloadDigest of the index payload, as computed when it was read. */
  private readonly indexDigest?: Uint8Array;
  /** The Merkle root over every frame a scan read (header records and stored PayloadDigests). */
  private readonly scanRoot?: Uint8Array;

  /** FD(0) as the index names it (indexes written since signing purposes). */
  private readonly frameZero?: Uint8Array;

  private constructor(
    sequence: SequenceReader, indexed: boolean, live: Map<string, IndexEntry>, indexDigest?: Uint8Array, scanRoot?: Uint8Array,
    trust?: SignatureCheck[], frameZero?: Uint8Array,
  ) {
    this.sequence = sequence;
    this.frameZero = frameZero;
    this.indexed = indexed;
    this.live = live;
    this.indexDigest = indexDigest;
    this.scanRoot = scanRoot;
    this.trust = trust;
  }

  /**
   * Opens an archive file (or any random-access source) and loads its index. With
   * `trustedSigners` it authenticates what it loaded ({@link authenticate}) before it
   * returns: SIGNATURE_INVALID (or MERKLE_MISMATCH) otherwise.
   */
  static async open(source: string | RandomAccessReader, options: ArchiveReadOptions = {}): Promise<ArchiveReader> {
    const seq = await SequenceReader.open(source, options);
    try {
      if (!(await isArchive(seq))) throw new DareError('MALFORMED', `not a dare archive (frame 0 does not name ${ARCHIVE_TYPE})`);
      const trusted = options.trustedSigners ?? [];
      // The signature first: nothing is decrypted or parsed for a signer nobody trusts.
      if (trusted.length) await lastFrameTrust(seq, trusted);
      let reader: ArchiveReader | undefined;
      const last = seq.last;
      if (last.index > 0 && last.isMeta) {
        const o = await opened(seq, last);
        if (frameRole(o.contentMeta, true, `frame ${last.index}`).role === 'index') {
          const out: { digest?: Uint8Array } = {};
          const bytes = await collectBytes(seq.payload(o, out), MAX_INDEX_BYTES, `the index (frame ${last.index})`);
          const index = decodeIndexPayload(bytes);
          reader = new ArchiveReader(seq, true, new Map(index.entries.map((e) => [e.path, e])), out.digest, undefined, undefined, index.frameZero);
        }
      }
      if (!reader) {
        const { live, root } = await scan(seq);
        reader = new ArchiveReader(seq, false, live, undefined, root);
      }
      if (!trusted.length) return reader;
      const trust = await reader.authenticate(trusted);
      return new ArchiveReader(seq, reader.indexed, reader.live, reader.indexDigest, reader.scanRoot, trust, reader.frameZero);
    } catch (e) {
      await seq.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.sequence.close();
  }

  /** Live entries in frame order. */
  entries(): IndexEntry[] {
    return [...this.live.values()].sort((a, b) => a.index - b.index);
  }

  get(path: string): IndexEntry | undefined {
    return this.live.get(path);
  }

  /** Entries named by `paths` (an entry, or a directory and everything below it); NOT_FOUND for a name that matches none. */
  select(paths: readonly string[]): IndexEntry[] {
    const all = this.entries();
    if (!paths.length) return all;
    const wanted = new Set<IndexEntry>();
    for (const p of paths) {
      const name = p.replace(/\/+$/, '');
      const hits = all.filter((e) => isWithin(e.path, name));
      if (!hits.length) throw new DareError('NOT_FOUND', `${p}: no such entry in the archive`);
      for (const h of hits) wanted.add(h);
    }
    return all.filter((e) => wanted.has(e));
  }

  /**
   * The plaintext of an entry, read from its own frame only. Throws (DIGEST_MISMATCH,
   * MAC_INVALID) at the end when the frame's digest, MAC or FrameDigest does not match,
   * or when the frame's metadata is not the entry's: write to a temporary file and
   * rename only after the generator returned.
   */
  async *content(entry: IndexEntry): AsyncGenerator<Uint8Array> {
    const view = await this.sequence.frameAt(entry.position);
    const where = `${entry.path} (frame ${entry.index})`;
    if (view.index !== entry.index || view.isMeta) throw new DareError('DIGEST_MISMATCH', `${where}: the index points at another frame`);
    const o = await opened(this.sequence, view);
    const role = frameRole(o.contentMeta, view.isMeta, `frame ${view.index}`);
    if (role.role !== 'entry' || !sameMeta(role.meta, entry)) {
      throw new DareError('DIGEST_MISMATCH', `${where}: the frame does not hold this entry`);
    }
    const out: { digest?: Uint8Array } = {};
    let n = 0;
    for await (const piece of this.sequence.payload(o, out)) {
      n += piece.length;
      if (n > entry.size) throw new DareError('DIGEST_MISMATCH', `${where}: longer than the ${entry.size} bytes the index names`);
      yield piece;
    }
    if (n !== entry.size) throw new DareError('DIGEST_MISMATCH', `${where}: ${n} bytes, the index names ${entry.size}`);
    if (!equalBytes(frameDigest(view.headerRecord, out.digest as Uint8Array), entry.frameDigest)) {
      throw new DareError('DIGEST_MISMATCH', `${where}: the frame does not match the index`);
    }
  }

  /**
   * What an extraction of `entries` acts on beyond the contents of the files it reads
   * (which content() checks as they are written): every directory and link among them is
   * read from its frame and checked (MAC, FrameDigest, metadata). When the reader was
   * opened with trusted signers and `entries` are all the live entries, every frame of the
   * archive is checked first, as `dare verify` does (digests, MACs, the tree, every
   * signature), so a full extraction under a trusted signer leaves nothing in the file
   * unchecked. Nothing is decrypted there, and the payloads of the files to extract are
   * not read twice: their stored digests enter the tree, and content() checks each payload
   * against them as it is written. Call it before writing anything.
   */
  async checkBeforeExtract(entries: readonly IndexEntry[]): Promise<void> {
    if (this.trust !== undefined && entries.length === this.live.size) {
      const later = entries.filter((e) => e.kind === 'file').map((e) => e.index);
      await verifySequence(this.sequence, { decrypt: false, payloadsCheckedLater: later });
      return;
    }
    for (const e of entries) {
      if (e.kind === 'file') continue;
      for await (const _ of this.content(e)) {
        // Directories and links have no content: reading checks the frame.
      }
    }
  }

  /**
   * Checks that a trusted signer (default: options.trustedSigners) signed the apex of the
   * last frame, that this apex is the Merkle root over the frames this reader read (the
   * index frame with the TreeNodes of the frontier, O(log n) frames; or every header of a
   * scan) and that frame 0 is in that tree (an audit path from stored TreeNodes). Every
   * entry read through the index or the scan (content() compares FrameDigests) is then
   * covered by the signature. open() calls it when given trusted signers.
   * SIGNATURE_INVALID, MERKLE_MISMATCH or UNSUPPORTED_ALGORITHM otherwise.
   */
  async authenticate(trusted: readonly VerificationKey[] = this.sequence.options.trustedSigners ?? []): Promise<SignatureCheck[]> {
    const seq = this.sequence;
    const sigs = await lastFrameTrust(seq, trusted);
    const last = seq.last;
    const apex = last.trailer?.treeDigest as Uint8Array;
    if (this.indexed && this.indexDigest) {
      const nodes: Uint8Array[] = [];
      for (const i of treeFrontierFrames(last.index - 1)) {
        const node = (await seq.frame(i)).trailer?.treeNode;
        if (!node || node.length !== 64) throw new DareError('MERKLE_MISMATCH', `frame ${i} carries no TreeNode`);
        nodes.push(node);
      }
      const root = MerkleFrontier.fromNodes(last.index, nodes).append(frameDigest(last.headerRecord, this.indexDigest)).treeDigest;
      if (!equalBytes(root, apex)) throw new DareError('MERKLE_MISMATCH', 'the signed apex is not the tree over the index frame');
      // Frame 0 (the policy): named by the authenticated index, or else (older indexes) by an
      // audit path from stored TreeNodes, O(log² n) frames.
      const zero = frameDigest(seq.first.headerRecord, leafDigest(seq.first));
      if (this.frameZero !== undefined) {
        if (!equalBytes(zero, this.frameZero)) throw new DareError('MERKLE_MISMATCH', 'frame 0 (the archive\'s policy) is not the one the signed index names');
      } else {
        const locate = new FrameLocator(seq.source, last, seq.first);
        if (!verifyInclusion(zero, 0, last.index + 1, await locate.auditPath(0, last.index + 1), apex)) {
          throw new DareError('MERKLE_MISMATCH', 'frame 0 (the archive\'s policy) is not in the signed tree');
        }
      }
    } else if (!this.scanRoot || !equalBytes(this.scanRoot, apex)) {
      throw new DareError('MERKLE_MISMATCH', 'the signed apex is not the tree over the frames of the archive');
    }
    return sigs;
  }

  /** Every entry and deletion marker in frame order (superseded versions included). */
  async *history(): AsyncGenerator<HistoryItem> {
    for await (const view of this.sequence.frames(1)) {
      const role = frameRole((await opened(this.sequence, view)).contentMeta, view.isMeta, `frame ${view.index}`);
      if (role.role === 'entry') yield { kind: 'entry', entry: located(role.meta, view) };
      else if (role.role === 'deleted') yield { kind: 'deleted', path: role.path, index: view.index };
    }
  }

  /** Throws DIGEST_MISMATCH unless the index lists exactly what a scan of the frames finds. */
  async checkIndex(): Promise<void> {
    if (!this.indexed) return;
    const scanned = (await scan(this.sequence)).live;
    const differs = (a: IndexEntry, b: IndexEntry | undefined) => !b || a.index !== b.index || a.position !== b.position
      || !equalBytes(a.frameDigest, b.frameDigest) || a.kind !== b.kind || a.size !== b.size || a.mode !== b.mode
      || a.modified !== b.modified || a.target !== b.target;
    for (const e of this.live.values()) {
      if (differs(e, scanned.get(e.path))) throw new DareError('DIGEST_MISMATCH', `the index entry of ${JSON.stringify(e.path)} does not match the frames`);
    }
    for (const p of scanned.keys()) {
      if (!this.live.has(p)) throw new DareError('DIGEST_MISMATCH', `the index misses ${JSON.stringify(p)}`);
    }
  }
}

/** True when frame 0 names the archive content type. */
async function isArchive(seq: SequenceReader): Promise<boolean> {
  return (await seq.open(seq.first)).contentMeta?.contentType === ARCHIVE_TYPE;
}

/** True when the sequence at `source` is an archive (frame 0's content type). */
export async function sequenceIsArchive(seq: SequenceReader): Promise<boolean> {
  return isArchive(seq);
}

function located(meta: EntryMeta, view: FrameView): IndexEntry {
  const pd = view.trailer?.payloadDigest ?? (view.payload ? undefined : emptyDigest());
  if (!pd) throw new DareError('HEADER_MALFORMED', `frame ${view.index} carries no PayloadDigest`);
  return { ...meta, index: view.index, position: view.position, frameDigest: frameDigest(view.headerRecord, pd) };
}

/** The live entries found by reading every frame's header (payloads stay on disk), and the Merkle root over those frames. */
async function scan(seq: SequenceReader): Promise<{ live: Map<string, IndexEntry>; root: Uint8Array }> {
  const live = new Map<string, IndexEntry>();
  const tree = new MerkleFrontier();
  tree.append(frameDigest(seq.first.headerRecord, leafDigest(seq.first)));
  if (seq.last.index > 0) {
    for await (const view of seq.frames(1)) {
      tree.append(frameDigest(view.headerRecord, leafDigest(view)));
      const role = frameRole((await opened(seq, view)).contentMeta, view.isMeta, `frame ${view.index}`);
      if (role.role === 'entry') {
        live.delete(role.meta.path); // re-inserted last: Map order stays frame order
        live.set(role.meta.path, located(role.meta, view));
      } else if (role.role === 'deleted') live.delete(role.path);
    }
  }
  return { live, root: tree.root() };
}

/** A frame's PayloadDigest as stored (the empty digest for a frame without payload or digest). */
function leafDigest(view: FrameView): Uint8Array {
  const pd = view.trailer?.payloadDigest ?? (view.payload ? undefined : emptyDigest());
  if (!pd) throw new DareError('HEADER_MALFORMED', `frame ${view.index} carries no PayloadDigest`);
  return pd;
}

function sameMeta(a: EntryMeta, b: EntryMeta): boolean {
  return a.path === b.path && a.kind === b.kind && a.size === b.size && a.mode === b.mode && a.modified === b.modified && a.target === b.target;
}

/**
 * The trusted signatures on the last frame over its apex (Merkle archives of our digest
 * scheme only). When there is none, says what the end of the archive is: frames after
 * the last trusted signature, unsigned or signed by another key (a walk back to it).
 */
async function lastFrameTrust(seq: SequenceReader, trusted: readonly VerificationKey[]): Promise<SignatureCheck[]> {
  if (seq.type !== 'Merkle' || !seq.checkable) throw new DareError('UNSUPPORTED_ALGORITHM', 'only Merkle archives written by this implementation can be authenticated');
  const last = seq.last;
  if (!last.trailer?.treeDigest) throw new DareError('SIGNATURE_INVALID', `the archive's last frame (${last.index}) carries no TreeDigest`);
  const sigs = seq.signaturesOf(last, trusted);
  const bad = sigs.find((s) => s.status === 'invalid');
  if (bad) throw new DareError('SIGNATURE_INVALID', `the archive's last frame carries a signature by ${bad.kid ?? 'an unnamed key'} that does not verify${bad.purpose !== undefined ? ` as an archive signature (it was made for ${bad.purpose})` : ''}`);
  if (!sigs.some((s) => seq.isTrusted(s))) {
    const legacy = sigs.find((s) => s.status === 'valid' && s.trusted && s.legacy)?.kid;
    const tail = legacy === undefined ? await findLastTrusted(seq, trusted) : { lastTrusted: -1 };
    throw new DareError('SIGNATURE_INVALID', untrustedTailMessage({ last: last.index, ...tail, legacyOnLast: legacy }));
  }
  return sigs;
}
