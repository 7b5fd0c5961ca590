/**
 * Naive twin of lib/sequence/merkle.ts and chain.ts for the property
 * tests: everything recomputed from the full leaf list, straight from the definitions
 * (RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF; the project's
 * TreeNode and ChainDigest), with `node:crypto` rather
 * than the library's hashing backend. Slow on purpose; never used by the library.
 * @module
 */
import { createHash } from 'node:crypto';

const sha512 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** Largest power of two strictly less than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[0..n)) by the recursive definition. */
export function naiveMth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha512();
  if (leaves.length === 1) return sha512(Uint8Array.of(0), leaves[0] as Uint8Array);
  const k = split(leaves.length);
  return sha512(Uint8Array.of(1), naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}

/** TreeDigest(n) = MTH(FD(0..n)). */
export function naiveTreeDigest(fds: readonly Uint8Array[], n: number): Uint8Array {
  return naiveMth(fds.slice(0, n + 1));
}

/** TreeNode(n): MTH of leaves (m - lowbit(m)) .. n with m = n + 1 (small n only). */
export function naiveTreeNode(fds: readonly Uint8Array[], n: number): Uint8Array {
  const m = n + 1;
  return naiveMth(fds.slice(m - (m & -m), n + 1));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1, recursively. */
export function naivePath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveMth(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveMth(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1. */
function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [naiveMth(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), b), naiveMth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), naiveMth(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function naiveConsistency(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leaves, true);
}

/** ChainDigest(0..): H(0^64 || FD(0)), then H(CD(n-1) || FD(n)). */
export function naiveChain(fds: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(64);
  for (const fd of fds) {
    prev = sha512(prev, fd);
    out.push(prev);
  }
  return out;
}
