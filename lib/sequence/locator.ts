/**
 * Frames of a Merkle sequence by index, and Merkle tree values computed from the TreeNode
 * values stored in them (docs/FORMAT.md §8) instead of from every leaf: the audit path of
 * any leaf in O(log² n) frame reads. Used by log inclusion proofs and by the writer, which
 * checks on reopen that frame 0 (the policy it will encrypt to) is in the tree.
 * @module
 */
import { DareError } from '../errors.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import { frameDigest } from './format.js';
import { seekFrame, type FrameView } from './frames.js';
import { leafHash, nodeHash, DIGEST_LENGTH } from './merkle.js';
import { lowbit } from './positions.js';

/** The frame digest ingredients of one leaf. */
export interface LeafIngredients {
  readonly headerRecord: Uint8Array;
  readonly payloadDigest: Uint8Array;
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Frames by index, each sought from the nearest frame already read after it. */
export class FrameLocator {
  readonly #source: RandomAccessReader;
  readonly #last: FrameView;
  readonly #known = new Map<number, FrameView>();

  constructor(source: RandomAccessReader, last: FrameView, ...views: FrameView[]) {
    this.#source = source;
    this.#last = last;
    for (const v of [last, ...views]) this.#known.set(v.index, v);
  }

  async get(i: number): Promise<FrameView> {
    const hit = this.#known.get(i);
    if (hit) return hit;
    let from: FrameView | undefined;
    for (const [k, v] of this.#known) if (k > i && (from === undefined || k < from.index)) from = v;
    const v = await seekFrame(this.#source, from ?? this.#last, i);
    this.#known.set(i, v);
    return v;
  }

  /** FD(i) ingredients: the frame's header record and its trailer's PayloadDigest. */
  async leaf(i: number): Promise<LeafIngredients> {
    const v = await this.get(i);
    const pd = v.trailer?.payloadDigest;
    if (!pd || pd.length !== DIGEST_LENGTH) throw new DareError('HEADER_MALFORMED', `frame ${i} has no PayloadDigest`);
    return { headerRecord: v.headerRecord, payloadDigest: pd };
  }

  /** TreeNode(i): the root of the lowbit(i + 1) leaves ending at frame i. */
  async treeNode(i: number): Promise<Uint8Array> {
    const tn = (await this.get(i)).trailer?.treeNode;
    if (!tn || tn.length !== DIGEST_LENGTH) throw new DareError('HEADER_MALFORMED', `frame ${i} has no TreeNode`);
    return tn;
  }

  /**
   * MTH of leaves [a, b): TreeNode(b - 1) when it covers exactly them (lowbit(b) = b - a),
   * else split as RFC 9162 does. A left-aligned perfect subtree is one read; a right one
   * of 2^k leaves is k + 1 reads.
   */
  async range(a: number, b: number): Promise<Uint8Array> {
    const n = b - a;
    if (lowbit(b) === n) return this.treeNode(b - 1);
    if (n === 1) {
      const l = await this.leaf(a);
      return leafHash(frameDigest(l.headerRecord, l.payloadDigest));
    }
    const k = splitPoint(n);
    return nodeHash(await this.range(a, a + k), await this.range(a + k, b));
  }

  /**
   * RFC 9162 §2.1.4.1 PROOF(first, D[0..second)): the nodes that show the tree of the first
   * `first` leaves is a prefix of the tree of `second` leaves, deepest first (as
   * merkle.ts consistencyProof), from stored TreeNodes: O(log² n) frame reads.
   */
  async consistencyPath(first: number, second: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let start = 0;
    let end = second;
    let m = first;
    let complete = true;
    while (m !== end - start) {
      const k = splitPoint(end - start);
      if (m <= k) {
        out.push(await this.range(start + k, end));
        end = start + k;
      } else {
        out.push(await this.range(start, start + k));
        start += k;
        m -= k;
        complete = false;
      }
    }
    if (!complete) out.push(await this.range(start, end));
    return out.reverse();
  }

  /** RFC 9162 §2.1.3.1 PATH(m, D[0..size)), the leaf's sibling first. */
  async auditPath(m: number, size: number): Promise<Uint8Array[]> {
    const path: Uint8Array[] = [];
    let start = 0;
    let end = size;
    let i = m;
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (i < k) {
        path.push(await this.range(start + k, end));
        end = start + k;
      } else {
        path.push(await this.range(start, start + k));
        start += k;
        i -= k;
      }
    }
    return path.reverse();
  }
}
