/**
 * Reading DARE Archives (docs/FORMAT.md §9). The last frame is the index: opening an
 * archive reads frame 0, the last frame (and, when encrypted, the frame with its key
 * exchange), so listing and extracting one file cost O(1) frames whatever the size of
 * the archive. Each entry is read with SequenceReader.frameAt(position) and checked
 * against the FrameDigest the index names, so a signature over the index's apex
 * (authenticate) covers every file extracted through it. An archive whose last frame
 * is not an index (an append was interrupted) is read by a scan of every header.
 * @module
 */
import { DareError } from '../errors.js';
import { collectBytes, equalBytes } from '../internal/bytes.js';
import type { RandomAccessReader } from '../encoding/jbcd.js';
import { checkSignatures, type SignatureCheck } from '../envelope/signatures.js';
import type { VerificationKey } from '../keys/types.js';
import { SequenceReader, type OpenedFrame, type SequenceReadOptions } from '../sequence/reader.js';
import type { FrameView } from '../sequence/frames.js';
import { emptyDigest, frameDigest } from '../sequence/format.js';
import { MerkleFrontier } from '../sequence/merkle.js';
import { treeFrontierFrames } from '../sequence/positions.js';
import { ARCHIVE_TYPE, MAX_INDEX_BYTES, decodeIndex, frameRole, isWithin, type EntryMeta, type IndexEntry } from './format.js';

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
  private readonly live: Map<string, IndexEntry>;
  /** PayloadDigest of the index payload, as computed when it was read. */
  private readonly indexDigest?: Uint8Array;

  private constructor(sequence: SequenceReader, indexed: boolean, live: Map<string, IndexEntry>, indexDigest?: Uint8Array) {
    this.sequence = sequence;
    this.indexed = indexed;
    this.live = live;
    this.indexDigest = indexDigest;
  }

  /** Opens an archive file (or any random-access source) and loads its index. */
  static async open(source: string | RandomAccessReader, options: ArchiveReadOptions = {}): Promise<ArchiveReader> {
    const seq = await SequenceReader.open(source, options);
    try {
      if (!(await isArchive(seq))) throw new DareError('MALFORMED', `not a dare archive (frame 0 does not name ${ARCHIVE_TYPE})`);
      const last = seq.last;
      if (last.index > 0 && last.isMeta) {
        const o = await opened(seq, last);
        if (frameRole(o.contentMeta, true, `frame ${last.index}`).role === 'index') {
          const out: { digest?: Uint8Array } = {};
          const bytes = await collectBytes(seq.payload(o, out), MAX_INDEX_BYTES, `the index (frame ${last.index})`);
          const live = new Map(decodeIndex(bytes).map((e) => [e.path, e]));
          return new ArchiveReader(seq, true, live, out.digest);
        }
      }
      return new ArchiveReader(seq, false, await scan(seq));
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
   * MAC_INVALID) at the end when the frame's digest, MAC or FrameDigest does not match:
   * write to a temporary file and rename only after the generator returned.
   */
  async *content(entry: IndexEntry): AsyncGenerator<Uint8Array> {
    const view = await this.sequence.frameAt(entry.position);
    const where = `${entry.path} (frame ${entry.index})`;
    if (view.index !== entry.index || view.isMeta) throw new DareError('DIGEST_MISMATCH', `${where}: the index points at another frame`);
    const o = await opened(this.sequence, view);
    const role = frameRole(o.contentMeta, view.isMeta, `frame ${view.index}`);
    if (role.role !== 'entry' || role.meta.path !== entry.path || role.meta.kind !== entry.kind) {
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
   * Checks that a trusted signer (default: options.trustedSigners) signed the apex of the last
   * frame and that this apex is the Merkle root over this index frame: then every
   * entry read through the index (content() compares FrameDigests) is covered by the
   * signature. Reads O(log n) frames. SIGNATURE_INVALID or MERKLE_MISMATCH otherwise.
   */
  async authenticate(trusted: readonly VerificationKey[] = this.sequence.options.trustedSigners ?? []): Promise<SignatureCheck[]> {
    const seq = this.sequence;
    const last = seq.last;
    const t = last.trailer;
    const signed = [...(last.header.signatures ?? []), ...(t?.signatures ?? [])];
    const sigs = signed.length && t?.treeDigest ? checkSignatures(signed, t.treeDigest, trusted) : [];
    const bad = sigs.find((s) => s.status === 'invalid');
    if (bad) throw new DareError('SIGNATURE_INVALID', `the archive's last frame carries a signature by ${bad.kid ?? 'an unnamed key'} that does not verify`);
    if (!sigs.some((s) => s.trusted)) {
      throw new DareError('SIGNATURE_INVALID', sigs.length ? 'the archive is not signed by a trusted key' : 'the archive is not signed (its last frame carries no signature)');
    }
    if (!this.indexed || !this.indexDigest) throw new DareError('SIGNATURE_INVALID', 'the signed last frame is not an index (entries were appended write-only, or an append was interrupted): run `dare index` with the key and sign it, or check every frame with `dare verify --signer`');
    if (seq.type !== 'Merkle' || !seq.checkable) throw new DareError('UNSUPPORTED_ALGORITHM', 'only Merkle archives written by this implementation can be authenticated');
    const apex = last.trailer?.treeDigest;
    const nodes: Uint8Array[] = [];
    for (const i of treeFrontierFrames(last.index - 1)) {
      const node = (await seq.frame(i)).trailer?.treeNode;
      if (!node || node.length !== 64) throw new DareError('MERKLE_MISMATCH', `frame ${i} carries no TreeNode`);
      nodes.push(node);
    }
    const root = MerkleFrontier.fromNodes(last.index, nodes).append(frameDigest(last.headerRecord, this.indexDigest)).treeDigest;
    if (!apex || !equalBytes(root, apex)) throw new DareError('MERKLE_MISMATCH', 'the signed apex is not the tree over the index frame');
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
    const scanned = await scan(this.sequence);
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

/** The live entries found by reading every frame's header (payloads stay on disk). */
async function scan(seq: SequenceReader): Promise<Map<string, IndexEntry>> {
  const live = new Map<string, IndexEntry>();
  if (seq.last.index === 0) return live;
  for await (const view of seq.frames(1)) {
    const role = frameRole((await opened(seq, view)).contentMeta, view.isMeta, `frame ${view.index}`);
    if (role.role === 'entry') {
      live.delete(role.meta.path); // re-inserted last: Map order stays frame order
      live.set(role.meta.path, located(role.meta, view));
    } else if (role.role === 'deleted') live.delete(role.path);
  }
  return live;
}

