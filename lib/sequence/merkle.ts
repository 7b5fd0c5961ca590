/**
 * The Merkle tree of a sequence: RFC 9162 §2.1 (Merkle Tree Hash, audit paths
 * §2.1.3, consistency proofs §2.1.4) with SHA-512, over the frame digests of the
 * sequence. This is the project's definition of TreeDigest, replacing the printed
 * values of draft-hallambaker-mesh-dare-12 §4.2.2/§14.3, which bind nothing
 * (conformance/dare.md item 17, CONFORMANCE.md item 10).
 *
 * Leaves are FD(0), FD(1), ..., one per frame, frame 0 included; FD(n) (64 bytes) is
 * SHA-512(SHA-512(header record bytes) || PayloadDigest) and is computed elsewhere.
 *
 * - leafHash(fd) = SHA-512(0x00 || fd); nodeHash(l, r) = SHA-512(0x01 || l || r).
 * - MTH({}) = SHA-512() (RFC 9162; no frame carries it). MTH(D[0..1)) = leafHash(D[0]).
 *   MTH(D[0..k)) for k > 1 = nodeHash(MTH(D[0..j)), MTH(D[j..k))), j the largest power
 *   of two < k.
 * - TreeDigest(n) = MTH(FD(0..n)), the apex after frame n (n + 1 leaves).
 * - TreeNode(n): with m = n + 1, the MTH of leaves m - lowbit(m) .. n, a perfect subtree
 *   of lowbit(m) leaves (the Fenwick node of frame n, positions.ts).
 * - The frontier after n + 1 leaves is the list of perfect subtrees given by the binary
 *   digits of n + 1; they are exactly TreeNode(f) for f in treeFrontierFrames(n), and
 *   TreeDigest(n) is their right fold: nodeHash(s0, nodeHash(s1, ... sk)), s0 largest.
 *
 * {@link MerkleFrontier} keeps that list: an append costs 1 + (trailing ones of n) +
 * (popcount(n + 1) - 1) hashes, O(log n), and reuses one 129-byte scratch buffer.
 *
 * Proofs: {@link verifyInclusion} and {@link verifyConsistency} return false for every
 * proof that does not verify, malformed ones included (index ≥ size, size 0, a path of
 * the wrong length, an element or root that is not 64 bytes, sizes that are not safe
 * non-negative integers); they throw only TypeError when an argument has the wrong
 * type. {@link assertInclusion} and {@link assertConsistency} throw DareError instead:
 * 'MALFORMED' for malformed proof data, 'MERKLE_MISMATCH' when a well-formed proof
 * does not give the root. Proof generation throws RangeError/TypeError on misuse.
 * A proof binds the root, not the size: an audit path for (index, size) also verifies
 * as (index, size') against the same root when size' gives the same left/right
 * pattern, as in RFC 9162. Trust a TreeDigest only together with the frame (index) it
 * is in, or a signature over both.
 * @module
 */
import { getBackend } from '../crypto/backend-select.js';
import { DareError } from '../errors.js';
import { aBytes, aInteger, equalBytes } from '../internal/bytes.js';
import { isPowerOfTwo } from './positions.js';

/** Length of frame digests, tree nodes and tree digests (SHA-512). */
export const DIGEST_LENGTH = 64;

/** Scratch for 0x01 || l || r (129 bytes) and 0x00 || fd (its first 65). */
const scratch = new Uint8Array(1 + 2 * DIGEST_LENGTH);

/** RFC 9162 leaf hash: SHA-512(0x00 || fd). `fd` must be 64 bytes (RangeError). */
export function leafHash(fd: Uint8Array): Uint8Array {
  aBytes(fd, 'fd', DIGEST_LENGTH);
  scratch[0] = 0;
  scratch.set(fd, 1);
  return getBackend().hash('sha512', scratch.subarray(0, 1 + DIGEST_LENGTH));
}

/** RFC 9162 interior node: SHA-512(0x01 || left || right), both 64 bytes (RangeError). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  aBytes(left, 'left', DIGEST_LENGTH);
  aBytes(right, 'right', DIGEST_LENGTH);
  return combine(left, right);
}

/** nodeHash without the argument checks (internal values are always 64 bytes). */
function combine(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch[0] = 1;
  scratch.set(left, 1);
  scratch.set(right, 1 + DIGEST_LENGTH);
  return getBackend().hash('sha512', scratch);
}

/** MTH of no leaves: SHA-512 of the empty string (RFC 9162 §2.1.1). */
export function emptyRoot(): Uint8Array {
  return getBackend().hash('sha512', new Uint8Array(0));
}

/** Number of set bits of a safe integer. */
function popcount(x: number): number {
  let c = 0;
  for (let v = x; v > 0; v = Math.floor(v / 2)) c += v % 2;
  return c;
}

/**
 * The Merkle frontier of a growing sequence: the perfect subtrees whose sizes are the
 * binary digits of {@link size}. Values returned are fresh arrays the frontier does
 * not keep, so callers may store or change them.
 */
export class MerkleFrontier {
  /** Perfect subtree roots, oldest (largest) first. */
  #stack: Uint8Array[] = [];
  #size = 0;
  #root: Uint8Array | undefined;

  /** Number of leaves (frames) appended so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends FD(n) for n = {@link size} and returns TreeDigest(n) and TreeNode(n).
   * RangeError unless `fd` is 64 bytes.
   */
  append(fd: Uint8Array): { treeDigest: Uint8Array; treeNode: Uint8Array } {
    const node = this.#push(leafHash(fd));
    const treeDigest = this.#fold();
    this.#root = treeDigest;
    return { treeDigest: treeDigest.slice(), treeNode: node.slice() };
  }

  /** Appends one leaf without computing the root (used by {@link merkleRoot}). */
  appendLeaf(fd: Uint8Array): void {
    this.#push(leafHash(fd));
  }

  #push(leaf: Uint8Array): Uint8Array {
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('merkle tree is full');
    let h = leaf;
    for (let k = this.#size; k % 2 === 1; k = (k - 1) / 2) {
      h = combine(this.#stack.pop() as Uint8Array, h);
    }
    this.#stack.push(h);
    this.#size++;
    this.#root = undefined;
    return h;
  }

  #fold(): Uint8Array {
    const s = this.#stack;
    let i = s.length - 1;
    if (i < 0) return emptyRoot();
    let r = s[i] as Uint8Array;
    while (--i >= 0) r = combine(s[i] as Uint8Array, r);
    return r;
  }

  /** TreeDigest after the last frame appended: MTH of all leaves (SHA-512() when empty). */
  root(): Uint8Array {
    this.#root ??= this.#fold();
    return this.#root.slice();
  }

  /**
   * The frontier as TreeNode values, in the order of treeFrontierFrames(size - 1):
   * newest (smallest subtree) first. Empty when size is 0.
   */
  nodes(): Uint8Array[] {
    return this.#stack.map((n) => n.slice()).reverse();
  }

  /**
   * Rebuilds the frontier after `size` frames from the TreeNode values of the frames
   * treeFrontierFrames(size - 1), given in that order (newest first, as a reader meets
   * them following TreePosition links from the last frame), so that a writer can
   * reopen a sequence by reading popcount(size) frames. RangeError when the count or a
   * length is wrong. The values are not checked against anything: compare
   * {@link root} with the last frame's TreeDigest.
   */
  static fromNodes(size: number, nodes: readonly Uint8Array[]): MerkleFrontier {
    aInteger(size, 'size', 0, Number.MAX_SAFE_INTEGER);
    if (!Array.isArray(nodes)) throw new TypeError('"nodes" expected an array');
    const expected = popcount(size);
    if (nodes.length !== expected) {
      throw new RangeError(`a frontier of ${size} leaves has ${expected} nodes, got ${nodes.length}`);
    }
    const f = new MerkleFrontier();
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n: unknown = nodes[i];
      aBytes(n, `nodes[${i}]`, DIGEST_LENGTH);
      f.#stack.push(n.slice());
    }
    f.#size = size;
    return f;
  }
}

/** MTH of the whole list of frame digests: TreeDigest(fds.length - 1); SHA-512() if empty. */
export function merkleRoot(fds: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(fds)) throw new TypeError('"fds" expected an array');
  const f = new MerkleFrontier();
  for (const fd of fds) f.appendLeaf(fd);
  return f.root();
}

/** Leaves by index: a list, or a function reading FD(i) (e.g. from the frames). */
export type LeafSource = readonly Uint8Array[] | ((index: number) => Uint8Array);

function leafGetter(fds: LeafSource, treeSize: number): (i: number) => Uint8Array {
  if (typeof fds === 'function') return fds;
  if (!Array.isArray(fds)) throw new TypeError('"fds" expected an array or a function');
  if (fds.length < treeSize) throw new RangeError(`"treeSize" (${treeSize}) is more than the ${fds.length} leaves given`);
  return (i) => fds[i] as Uint8Array;
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start..end)) for end > start, by the frontier (O(end - start) hashes). */
function subtreeRoot(get: (i: number) => Uint8Array, start: number, end: number): Uint8Array {
  const f = new MerkleFrontier();
  for (let i = start; i < end; i++) f.appendLeaf(get(i));
  return f.root();
}

/**
 * The audit path of leaf `leafIndex` in the tree of the first `treeSize` leaves
 * (RFC 9162 §2.1.3.1 PATH(m, D[n])), the leaf's sibling first and the apex's child
 * last. O(treeSize) hashes. RangeError unless 0 ≤ leafIndex < treeSize and the list
 * holds treeSize leaves.
 */
export function inclusionProof(fds: LeafSource, leafIndex: number, treeSize: number): Uint8Array[] {
  aInteger(treeSize, 'treeSize', 1, Number.MAX_SAFE_INTEGER);
  aInteger(leafIndex, 'leafIndex', 0, treeSize - 1);
  const get = leafGetter(fds, treeSize);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = treeSize;
  let m = leafIndex;
  // Walk from the apex down; each level contributes the root of the other side.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(subtreeRoot(get, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(get, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** Length of the audit path of `leafIndex` in a tree of `treeSize` leaves (0 ≤ leafIndex < treeSize). */
export function inclusionPathLength(leafIndex: number, treeSize: number): number {
  aInteger(treeSize, 'treeSize', 1, Number.MAX_SAFE_INTEGER);
  aInteger(leafIndex, 'leafIndex', 0, treeSize - 1);
  let n = treeSize;
  let m = leafIndex;
  let len = 0;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) n = k;
    else {
      m -= k;
      n -= k;
    }
    len++;
  }
  return len;
}

const isSize = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
const isDigest = (x: unknown): boolean => x instanceof Uint8Array && x.length === DIGEST_LENGTH;

function checkTypes(sizes: [unknown, unknown], path: unknown, ...bytes: [unknown, string][]): void {
  if (typeof sizes[0] !== 'number' || typeof sizes[1] !== 'number') throw new TypeError('tree sizes and indexes expected numbers');
  if (!Array.isArray(path)) throw new TypeError('"path" expected an array');
  for (const [b, name] of bytes) if (!(b instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array`);
}

/** Why an inclusion proof is malformed, or undefined when its shape is right. */
function inclusionShape(leafFd: Uint8Array, leafIndex: number, treeSize: number, path: readonly unknown[], root: Uint8Array): string | undefined {
  if (!isSize(treeSize) || treeSize === 0) return 'tree size is not a positive integer';
  if (!isSize(leafIndex) || leafIndex >= treeSize) return 'leaf index is not below the tree size';
  if (!isDigest(leafFd) || !isDigest(root)) return 'leaf or root is not 64 bytes';
  if (path.length !== inclusionPathLength(leafIndex, treeSize)) return 'audit path has the wrong length';
  if (!path.every(isDigest)) return 'audit path element is not 64 bytes';
  return undefined;
}

/** RFC 9162 §2.1.3.2: the root an audit path gives, or undefined if it ends early. */
function inclusionRoot(leafFd: Uint8Array, leafIndex: number, treeSize: number, path: readonly Uint8Array[]): Uint8Array | undefined {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash(leafFd);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = combine(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = combine(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.3.2: true when `path` proves that `leafFd` is leaf `leafIndex` of the
 * tree of `treeSize` leaves whose MTH is `root`. False for any proof that fails or is
 * malformed; TypeError only for arguments of the wrong type.
 */
export function verifyInclusion(leafFd: Uint8Array, leafIndex: number, treeSize: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  checkTypes([leafIndex, treeSize], path, [leafFd, 'leafFd'], [root, 'root']);
  if (inclusionShape(leafFd, leafIndex, treeSize, path, root) !== undefined) return false;
  const r = inclusionRoot(leafFd, leafIndex, treeSize, path);
  return r !== undefined && equalBytes(r, root);
}

/**
 * {@link verifyInclusion} that throws: DareError 'MALFORMED' for malformed proof data,
 * 'MERKLE_MISMATCH' when the proof does not give `root`.
 */
export function assertInclusion(leafFd: Uint8Array, leafIndex: number, treeSize: number, path: readonly Uint8Array[], root: Uint8Array): void {
  checkTypes([leafIndex, treeSize], path, [leafFd, 'leafFd'], [root, 'root']);
  const why = inclusionShape(leafFd, leafIndex, treeSize, path, root);
  if (why !== undefined) throw new DareError('MALFORMED', `inclusion proof: ${why}`);
  const r = inclusionRoot(leafFd, leafIndex, treeSize, path);
  if (r === undefined || !equalBytes(r, root)) {
    throw new DareError('MERKLE_MISMATCH', `inclusion proof of leaf ${leafIndex} does not give the tree digest of ${treeSize} leaves`);
  }
}

/**
 * RFC 9162 §2.1.4.1 PROOF(first, D[second]): the nodes proving that the tree of the
 * first `first` leaves is a prefix of the tree of `second` leaves. Empty when
 * first = second. O(second) hashes. RangeError unless 1 ≤ first ≤ second.
 */
export function consistencyProof(fds: LeafSource, first: number, second: number): Uint8Array[] {
  aInteger(second, 'second', 1, Number.MAX_SAFE_INTEGER);
  aInteger(first, 'first', 1, second);
  const get = leafGetter(fds, second);
  const out: Uint8Array[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let complete = true;
  // SUBPROOF(m, D[start..end), complete), iteratively; nodes gathered apex-first.
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      out.push(subtreeRoot(get, start + k, end));
      end = start + k;
    } else {
      out.push(subtreeRoot(get, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) out.push(subtreeRoot(get, start, end));
  return out.reverse();
}

/** Length of PROOF(first, D[second]) for 1 ≤ first ≤ second. */
export function consistencyPathLength(first: number, second: number): number {
  aInteger(second, 'second', 1, Number.MAX_SAFE_INTEGER);
  aInteger(first, 'first', 1, second);
  let n = second;
  let m = first;
  let len = 0;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) n = k;
    else {
      m -= k;
      n -= k;
      complete = false;
    }
    len++;
  }
  return complete ? len : len + 1;
}

function consistencyShape(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, path: readonly unknown[]): string | undefined {
  if (!isSize(first) || !isSize(second) || first === 0 || first > second) return 'sizes are not 1 ≤ first ≤ second';
  if (!isDigest(firstRoot) || !isDigest(secondRoot)) return 'a root is not 64 bytes';
  if (path.length !== consistencyPathLength(first, second)) return 'consistency path has the wrong length';
  if (!path.every(isDigest)) return 'consistency path element is not 64 bytes';
  return undefined;
}

/** RFC 9162 §2.1.4.2 on a well-shaped proof with first < second. */
function consistencyHolds(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = combine(c, fr);
      sr = combine(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = combine(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/**
 * RFC 9162 §2.1.4.2: true when `path` proves that the tree of `first` leaves with MTH
 * `firstRoot` is a prefix of the tree of `second` leaves with MTH `secondRoot`. For
 * first = second the proof must be empty and the roots equal. False for any proof
 * that fails or is malformed; TypeError only for arguments of the wrong type.
 */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, path: readonly Uint8Array[]): boolean {
  checkTypes([first, second], path, [firstRoot, 'firstRoot'], [secondRoot, 'secondRoot']);
  if (consistencyShape(first, second, firstRoot, secondRoot, path) !== undefined) return false;
  if (first === second) return equalBytes(firstRoot, secondRoot);
  return consistencyHolds(first, second, firstRoot, secondRoot, path);
}

/**
 * {@link verifyConsistency} that throws: DareError 'MALFORMED' for malformed proof
 * data, 'MERKLE_MISMATCH' when the proof does not join the two roots.
 */
export function assertConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, path: readonly Uint8Array[]): void {
  checkTypes([first, second], path, [firstRoot, 'firstRoot'], [secondRoot, 'secondRoot']);
  const why = consistencyShape(first, second, firstRoot, secondRoot, path);
  if (why !== undefined) throw new DareError('MALFORMED', `consistency proof: ${why}`);
  const ok = first === second ? equalBytes(firstRoot, secondRoot) : consistencyHolds(first, second, firstRoot, secondRoot, path);
  if (!ok) throw new DareError('MERKLE_MISMATCH', `consistency proof does not join the trees of ${first} and ${second} leaves`);
}
