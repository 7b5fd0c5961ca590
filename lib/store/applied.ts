/**
 * What a store has applied of its file (store.ts; docs/FORMAT.md §11): the last frame
 * applied, the Merkle tree after it (recomputed from the frames read, each checked against
 * its TreeDigest and TreeNode), and the frames of a batch whose last frame has not been read
 * yet. A batch is applied whole, when its last frame (the one without `Batch`) arrives; one
 * the frames read end inside is dropped and the tree goes back to the last frame applied.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes } from '../internal/bytes.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import { seekFrame, type FrameView } from '../sequence/frames.js';
import { frameDigest } from '../sequence/format.js';
import { MerkleFrontier } from '../sequence/merkle.js';
import { treeFrontierFrames } from '../sequence/positions.js';
import type { StoreFrame } from './options.js';

export class AppliedFrames {
  /** The last frame applied. */
  last: FrameView;
  /** The tree after it; undefined when the digest scheme is not ours (nothing recomputed). */
  frontier?: MerkleFrontier;
  private held: StoreFrame[] = [];
  private heldRest = 0;

  constructor(last: FrameView, frontier: MerkleFrontier | undefined) {
    this.last = last;
    this.frontier = frontier;
  }

  /** Frames of a batch read and not applied yet. */
  get holding(): number {
    return this.held.length;
  }

  /**
   * Checks a frame read from the file against the tree; applies it (`apply`, then `last`
   * moves to it), or holds it until its batch is whole. `meta` opens a data frame's store
   * fields. SEQUENCE_ORDER for a batch that does not count down, or a meta frame inside one.
   */
  async take(view: FrameView, meta: (v: FrameView) => Promise<StoreFrame>, apply: (f: StoreFrame) => void): Promise<void> {
    if (this.frontier) {
      const pd = view.trailer?.payloadDigest;
      if (!pd) throw new DareError('HEADER_MALFORMED', `frame ${view.index}: no PayloadDigest`);
      const { treeDigest, treeNode } = this.frontier.append(frameDigest(view.headerRecord, pd));
      const t = view.trailer;
      if (!t?.treeDigest || !equalBytes(t.treeDigest, treeDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree digest does not match`);
      // Checked too: a batch cut short rewinds the tree from the TreeNodes on file.
      if (!t.treeNode || !equalBytes(t.treeNode, treeNode)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree node does not match`);
    }
    if (view.index === 0 || view.isMeta) {
      if (this.held.length) throw new DareError('SEQUENCE_ORDER', `frame ${view.index}: a meta frame inside a batch`);
      this.last = view;
      return;
    }
    const f = await meta(view);
    const rest = f.meta.batch ?? 0;
    if (this.held.length && rest !== this.heldRest - 1) throw new DareError('SEQUENCE_ORDER', `frame ${view.index}: ${this.heldRest - 1} frames of its batch should follow it, not ${rest}`);
    if (rest > 0) {
      this.held.push(f);
      this.heldRest = rest;
      return;
    }
    const frames = [...this.held, f];
    this.held = [];
    for (const x of frames) apply(x);
    this.last = view;
  }

  /** A frame the store's own writer wrote (its state is applied by the caller): the tree follows it. */
  wrote(view: FrameView): void {
    this.frontier?.append(frameDigest(view.headerRecord, view.trailer?.payloadDigest as Uint8Array));
    this.last = view;
  }

  /**
   * Drops a batch the frames read end inside: the tree goes back to the last frame applied,
   * from the TreeNodes on file (checked as they were read). True when there was one.
   */
  async dropHeld(file: RandomAccessReader): Promise<boolean> {
    if (!this.held.length) return false;
    this.held = [];
    if (this.frontier) {
      const nodes: Uint8Array[] = [];
      for (const i of treeFrontierFrames(this.last.index)) {
        const v = i === this.last.index ? this.last : await seekFrame(file, this.last, i);
        nodes.push(v.trailer?.treeNode as Uint8Array);
      }
      this.frontier = MerkleFrontier.fromNodes(this.last.index + 1, nodes);
    }
    return true;
  }
}
