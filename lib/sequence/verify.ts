/**
 * Full verification of a sequence (draft-hallambaker-mesh-dare-12 §4.2; docs/FORMAT.md §8):
 * every frame's index and TreePosition, PayloadDigest and (with a key) MAC, the running
 * chain or the Merkle tree recomputed from the frame digests, and every signature. With
 * trusted signers, the last frame must carry a trusted signature over the apex, so
 * every frame is covered by it. Reads each payload once; writes nothing.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes } from '../internal/bytes.js';
import type { SignatureCheck } from '../envelope/signatures.js';
import { frameDigest } from './format.js';
import { MerkleFrontier } from './merkle.js';
import { Chain } from './chain.js';
import { previousFrame, treeFrontierFrames } from './positions.js';
import type { SequenceReader } from './reader.js';
import type { FrameView } from './frames.js';

export interface VerifyReport {
  readonly frames: number;
  readonly tornBytes: number;
  /** Frames whose payload was decrypted and MAC-checked. */
  readonly authenticated: number;
  /** Frames that are encrypted but no key opened them (digest checked only). */
  readonly unopened: number;
  /** True when chain/tree values were recomputed and matched (our digest scheme). */
  readonly structureChecked: boolean;
  readonly signatures: readonly (SignatureCheck & { frame: number })[];
  /** The apex after the last frame (Merkle sequences). */
  readonly apex?: Uint8Array;
  /** Index of the last frame carrying a valid signature, or -1. */
  readonly lastSigned: number;
}

export async function verifySequence(reader: SequenceReader, onFrame?: (index: number, view: FrameView) => void): Promise<VerifyReport> {
  const checkable = reader.checkable;
  const frontier = reader.type === 'Merkle' && checkable ? new MerkleFrontier() : undefined;
  const chain = reader.type === 'Chain' && checkable ? new Chain() : undefined;
  const positions = new Map<number, number>();
  const signatures: (SignatureCheck & { frame: number })[] = [];
  let authenticated = 0;
  let unopened = 0;
  let count = 0;
  let lastSigned = -1;
  let apex: Uint8Array | undefined;
  /** Last frame with a trusted signature over a TreeDigest/ChainDigest recomputed here. */
  let lastCovered = -1;
  for await (const view of reader.frames()) {
    reader.checkPosition(view, positions, previousFrame);
    positions.set(view.index, view.position);
    // Keep only what a later TreePosition can name (the frontier frames, as the writer
    // does), so memory does not grow with the sequence.
    if (positions.size > 128) {
      const keep = new Set([view.index, ...treeFrontierFrames(view.index)]);
      for (const k of positions.keys()) if (!keep.has(k)) positions.delete(k);
    }
    const opened = await reader.open(view);
    const out: { digest?: Uint8Array } = {};
    for await (const _ of reader.payload(opened, out)) {
      // Every byte is hashed (and decrypted) by payload(); the checks run at its end.
    }
    if (opened.keys) authenticated++;
    else if (opened.encrypted) unopened++;
    const fd = frameDigest(view.headerRecord, out.digest as Uint8Array);
    const t = view.trailer;
    let recomputed: Uint8Array | undefined;
    if (chain) {
      const cd = chain.append(fd);
      recomputed = cd;
      if (!t?.chainDigest || !equalBytes(cd, t.chainDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: chain digest does not match`);
    }
    if (frontier) {
      const r = frontier.append(fd);
      if (!t?.treeDigest || !equalBytes(r.treeDigest, t.treeDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree digest does not match`);
      if (!t.treeNode || !equalBytes(r.treeNode, t.treeNode)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree node does not match`);
      apex = r.treeDigest;
      recomputed = r.treeDigest;
    }
    // TreeNode is this project's field (§8): a frame that has one while frame 0 names no digest
    // scheme means frame 0 was changed to switch the tree check off.
    if (!checkable && t?.treeNode) throw new DareError('MERKLE_MISMATCH', `frame ${view.index} carries a TreeNode but frame 0 names no digest scheme (frame 0 damaged?)`);
    const sigs = reader.signaturesOf(view);
    // A signature covers the frames only when it signs the chain or tree value recomputed
    // above; one over a PayloadDigest (List, Digest, Tree) or over a TreeDigest/ChainDigest
    // that is not recomputed (no DigestScheme in frame 0) authenticates one value, not them.
    const signed = t?.treeDigest ?? t?.chainDigest ?? t?.payloadDigest;
    const covers = recomputed !== undefined && signed !== undefined && equalBytes(recomputed, signed);
    for (const s of sigs) {
      if (s.status === 'invalid') throw new DareError('SIGNATURE_INVALID', `frame ${view.index}: signature by ${s.kid ?? 'an unnamed key'} does not verify`);
      signatures.push({ ...s, frame: view.index });
      if (s.status === 'valid') lastSigned = view.index;
      if (s.status === 'valid' && s.trusted && covers) lastCovered = view.index;
    }
    count++;
    onFrame?.(view.index, view);
  }
  if ((reader.options.trustedSigners?.length ?? 0) > 0) {
    const last = reader.last.index;
    if (!signatures.some((s) => s.frame === last && s.trusted)) {
      throw new DareError('SIGNATURE_INVALID', lastSigned < 0 ? 'the sequence is not signed' : lastSigned === last ? `the last frame (${last}) is not signed by a trusted key (it is signed by another key)` : `the last frame (${last}) is not signed by a trusted key; the last signature is on frame ${lastSigned}`);
    }
    if (lastCovered !== last) {
      throw new DareError('SIGNATURE_INVALID', `the trusted signature on the last frame (${last}) does not cover the sequence: it signs no chain or tree value recomputed from the frames (${reader.type} sequence${checkable ? '' : ', no DigestScheme in frame 0'})`);
    }
  }
  return { frames: count, tornBytes: reader.tornBytes, authenticated, unopened, structureChecked: checkable && (frontier !== undefined || chain !== undefined), signatures, apex, lastSigned };
}
