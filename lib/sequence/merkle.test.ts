/**
 * Tests of lib/sequence/merkle.ts (RFC 9162 §2.1 with SHA-512 over frame digests):
 * hand-built small trees, the frontier and its TreeNode values, reopening from
 * nodes, inclusion and consistency proofs with every malformed shape, both hashing
 * backends; and fixtures/sequence/reference-digests.json, the known-bad TreeDigest
 * and ChainDigest values the reference generator printed in draft-hallambaker-mesh-dare-12
 * Appendix B (conformance/dare.md items 15-17), reproduced by
 * {@link referenceGeneratorDigests} to document what the reference wrote. Those are
 * regression values of the reference's bugs, not of this module's algorithm.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '../crypto/backend-select.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { isDareError } from '../errors.js';
import { toHex } from '../internal/bytes.js';
import {
  MerkleFrontier, assertConsistency, assertInclusion, consistencyPathLength, consistencyProof, emptyRoot,
  inclusionPathLength, inclusionProof, leafHash, merkleRoot, nodeHash, verifyConsistency, verifyInclusion,
} from './merkle.js';
import { lowbit, treeFrontierFrames } from './positions.js';

const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = toHex;
/** Distinct deterministic frame digests. */
const fds = (n: number, salt = 0): Uint8Array[] => Array.from({ length: n }, (_, i) => H(Uint8Array.of(salt, i & 0xff, i >> 8)));
const L = (fd: Uint8Array): Uint8Array => H(Uint8Array.of(0), fd);
const N = (l: Uint8Array, r: Uint8Array): Uint8Array => H(Uint8Array.of(1), l, r);
/** MTH by the definition (small inputs). */
function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return H();
  if (d.length === 1) return L(d[0] as Uint8Array);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return N(mth(d.slice(0, k)), mth(d.slice(k)));
}
const flip = (b: Uint8Array, bit = 0): Uint8Array => {
  const c = b.slice();
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
};

afterEach(() => {
  setBackend('node');
});

describe('tree hash', () => {
  const [a, b, c, d, e] = fds(5) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];

  it('follows RFC 9162 §2.1.1 with domain separation', () => {
    expect(hex(leafHash(a))).toBe(hex(L(a)));
    expect(hex(nodeHash(a, b))).toBe(hex(H(Uint8Array.of(1), a, b)));
    expect(hex(merkleRoot([]))).toBe(hex(H()));
    expect(hex(emptyRoot())).toBe(hex(H()));
    expect(hex(merkleRoot([a]))).toBe(hex(L(a)));
    expect(hex(merkleRoot([a, b]))).toBe(hex(N(L(a), L(b))));
    expect(hex(merkleRoot([a, b, c]))).toBe(hex(N(N(L(a), L(b)), L(c))));
    expect(hex(merkleRoot([a, b, c, d, e]))).toBe(hex(N(N(N(L(a), L(b)), N(L(c), L(d))), L(e))));
    // A leaf is not confused with a node over the same bytes.
    expect(hex(leafHash(a))).not.toBe(hex(H(a)));
  });

  it('rejects digests of the wrong length or type', () => {
    expect(() => leafHash(new Uint8Array(63))).toThrow(RangeError);
    expect(() => nodeHash(a, new Uint8Array(65))).toThrow(RangeError);
    expect(() => leafHash('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => merkleRoot([a, new Uint8Array(32)])).toThrow(RangeError);
    expect(() => merkleRoot('ab' as unknown as Uint8Array[])).toThrow(TypeError);
  });

  it('gives the same values on both backends', () => {
    const leaves = fds(37);
    const node = merkleRoot(leaves);
    setBackend('noble');
    expect(hex(merkleRoot(leaves))).toBe(hex(node));
    expect(hex(mth(leaves))).toBe(hex(node));
  });
});

describe('MerkleFrontier', () => {
  it('returns TreeDigest(n) and TreeNode(n) at every size up to 70', () => {
    const leaves = fds(70);
    const f = new MerkleFrontier();
    expect(f.size).toBe(0);
    expect(hex(f.root())).toBe(hex(H()));
    for (let n = 0; n < leaves.length; n++) {
      const { treeDigest, treeNode } = f.append(leaves[n] as Uint8Array);
      expect(f.size).toBe(n + 1);
      expect(hex(treeDigest)).toBe(hex(mth(leaves.slice(0, n + 1))));
      expect(hex(f.root())).toBe(hex(treeDigest));
      const m = n + 1;
      expect(hex(treeNode)).toBe(hex(mth(leaves.slice(m - lowbit(m), m))));
    }
  });

  it('hands out copies: changing a result changes nothing inside', () => {
    const f = new MerkleFrontier();
    const r = f.append(fds(1)[0] as Uint8Array);
    const root = f.root();
    r.treeDigest.fill(0);
    r.treeNode.fill(0);
    f.nodes()[0]?.fill(0);
    expect(hex(f.root())).toBe(hex(root));
    expect(hex(f.nodes()[0] as Uint8Array)).toBe(hex(root));
  });

  it('nodes() are the TreeNodes of treeFrontierFrames(size - 1), and fromNodes continues identically', () => {
    const leaves = fds(45);
    const nodesAt: Uint8Array[] = [];
    const f = new MerkleFrontier();
    for (let size = 1; size <= 40; size++) {
      nodesAt.push(f.append(leaves[size - 1] as Uint8Array).treeNode);
      const frames = treeFrontierFrames(size - 1);
      expect(f.nodes().map(hex)).toStrictEqual(frames.map((i) => hex(nodesAt[i] as Uint8Array)));
      const g = MerkleFrontier.fromNodes(size, frames.map((i) => nodesAt[i] as Uint8Array));
      expect(g.size).toBe(size);
      expect(hex(g.root())).toBe(hex(f.root()));
      const copy = MerkleFrontier.fromNodes(size, f.nodes());
      for (let j = size; j < size + 5; j++) {
        expect(hex(g.append(leaves[j] as Uint8Array).treeDigest)).toBe(hex(mth(leaves.slice(0, j + 1))));
        copy.appendLeaf(leaves[j] as Uint8Array);
      }
      expect(hex(copy.root())).toBe(hex(g.root()));
    }
    expect(MerkleFrontier.fromNodes(0, []).size).toBe(0);
  });

  it('fromNodes rejects a wrong count, length or type', () => {
    const n64 = new Uint8Array(64);
    expect(() => MerkleFrontier.fromNodes(3, [n64])).toThrow(RangeError);
    expect(() => MerkleFrontier.fromNodes(4, [n64, n64])).toThrow(RangeError);
    expect(() => MerkleFrontier.fromNodes(3, [n64, new Uint8Array(32)])).toThrow(RangeError);
    expect(() => MerkleFrontier.fromNodes(-1, [])).toThrow(RangeError);
    expect(() => MerkleFrontier.fromNodes(1.5, [])).toThrow(TypeError);
    expect(() => MerkleFrontier.fromNodes(1, 'x' as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => MerkleFrontier.fromNodes(1, ['x' as unknown as Uint8Array])).toThrow(TypeError);
    expect(MerkleFrontier.fromNodes(2 ** 52, [n64]).size).toBe(2 ** 52);
  });

  it('appends 20,000 frames quickly (performance smoke test)', () => {
    const leaves = fds(1000);
    const f = new MerkleFrontier();
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) f.append(leaves[i % 1000] as Uint8Array);
    const ms = performance.now() - t0;
    expect(f.size).toBe(20_000);
    // Measured at about 150 ms on the development machine; generous against noisy CI.
    expect(ms).toBeLessThan(5000);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  const leaves = fds(21);

  it('verify at every index of every size up to 21, from a list or a function', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const root = mth(leaves.slice(0, size));
      for (let i = 0; i < size; i++) {
        const path = inclusionProof(leaves, i, size);
        expect(path.length).toBe(inclusionPathLength(i, size));
        expect(path.map(hex)).toStrictEqual(inclusionProof((j) => leaves[j] as Uint8Array, i, size).map(hex));
        expect(verifyInclusion(leaves[i] as Uint8Array, i, size, path, root)).toBe(true);
        assertInclusion(leaves[i] as Uint8Array, i, size, path, root);
      }
    }
    expect(inclusionProof(leaves, 0, 1)).toStrictEqual([]);
  });

  it('fail on any flipped leaf, path element, root, index or size', () => {
    const size = 13;
    const root = mth(leaves.slice(0, size));
    for (let i = 0; i < size; i++) {
      const leaf = leaves[i] as Uint8Array;
      const path = inclusionProof(leaves, i, size);
      expect(verifyInclusion(flip(leaf, 511), i, size, path, root)).toBe(false);
      expect(verifyInclusion(leaf, i, size, path, flip(root, 7))).toBe(false);
      for (let k = 0; k < path.length; k++) {
        const bad = path.map((p, j) => (j === k ? flip(p, 100) : p));
        expect(verifyInclusion(leaf, i, size, bad, root)).toBe(false);
      }
      for (let j = 0; j < size; j++) if (j !== i) expect(verifyInclusion(leaf, j, size, path, root)).toBe(false);
      // Against the TreeDigest of the size claimed. (A path binds the root, not the size:
      // it may verify with another size that has the same left/right pattern against
      // the same root, which is why a TreeDigest is trusted only together with its frame.)
      for (let s = i + 1; s <= 20; s++) {
        if (s !== size) expect(verifyInclusion(leaf, i, s, path, mth(leaves.slice(0, s)))).toBe(false);
      }
    }
  });

  it('return false for malformed proofs, and assertInclusion names them MALFORMED', () => {
    const size = 6;
    const root = mth(leaves.slice(0, size));
    const leaf = leaves[2] as Uint8Array;
    const path = inclusionProof(leaves, 2, size);
    const malformed: [Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
      [leaf, 6, size, path, root], // index = size
      [leaf, 7, size, path, root], // index > size
      [leaf, 0, 0, [], root], // size 0
      [leaf, -1, size, path, root],
      [leaf, 2.5, size, path, root],
      [leaf, 2, Number.NaN, path, root],
      [leaf, 2, Infinity, path, root],
      [leaf, 2, 2 ** 60, path, root],
      [leaf, 2, size, path.slice(1), root], // too short
      [leaf, 2, size, [...path, root], root], // too long
      [leaf, 2, size, [new Uint8Array(63), ...path.slice(1)], root],
      [leaf, 2, size, path, root.subarray(1)],
      [leaf.subarray(0, 32), 2, size, path, root],
    ];
    for (const args of malformed) {
      expect(verifyInclusion(...args)).toBe(false);
      let code: unknown;
      try {
        assertInclusion(...args);
      } catch (e) {
        code = isDareError(e) ? e.code : e;
      }
      expect(code).toBe('MALFORMED');
    }
    try {
      assertInclusion(leaf, 2, size, path, flip(root));
      expect.fail('no error');
    } catch (e) {
      expect(isDareError(e, 'MERKLE_MISMATCH')).toBe(true);
    }
  });

  it('throw only TypeError for arguments of the wrong type', () => {
    const root = mth(leaves.slice(0, 2));
    const path = inclusionProof(leaves, 0, 2);
    const leaf = leaves[0] as Uint8Array;
    expect(() => verifyInclusion(leaf, 0, 2, 'x' as unknown as Uint8Array[], root)).toThrow(TypeError);
    expect(() => verifyInclusion(leaf, '0' as unknown as number, 2, path, root)).toThrow(TypeError);
    expect(() => verifyInclusion(leaf, 0, 2, path, 'root' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => verifyInclusion(null as unknown as Uint8Array, 0, 2, path, root)).toThrow(TypeError);
    expect(() => assertInclusion(leaf, 0, 2n as unknown as number, path, root)).toThrow(TypeError);
    expect(verifyInclusion(leaf, 0, 2, ['x' as unknown as Uint8Array], root)).toBe(false);
  });

  it('proof generation rejects misuse', () => {
    expect(() => inclusionProof(leaves, 3, 3)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, 0)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, 22)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, -1, 3)).toThrow(RangeError);
    expect(() => inclusionProof('x' as unknown as Uint8Array[], 0, 1)).toThrow(TypeError);
    expect(() => inclusionPathLength(5, 5)).toThrow(RangeError);
    expect(inclusionPathLength(0, 2 ** 52)).toBe(52);
    expect(inclusionPathLength(2 ** 52, 2 ** 52 + 1)).toBe(1);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  const leaves = fds(24, 1);

  it('verify for every 1 ≤ first ≤ second ≤ 24 and fail when tampered', () => {
    for (let second = 1; second <= leaves.length; second++) {
      const r2 = mth(leaves.slice(0, second));
      for (let first = 1; first <= second; first++) {
        const r1 = mth(leaves.slice(0, first));
        const p = consistencyProof(leaves, first, second);
        expect(p.length).toBe(consistencyPathLength(first, second));
        expect(verifyConsistency(first, second, r1, r2, p)).toBe(true);
        assertConsistency(first, second, r1, r2, p);
        expect(verifyConsistency(first, second, flip(r1), r2, p)).toBe(false);
        expect(verifyConsistency(first, second, r1, flip(r2), p)).toBe(false);
        for (let k = 0; k < p.length; k++) {
          expect(verifyConsistency(first, second, r1, r2, p.map((x, j) => (j === k ? flip(x, 3) : x)))).toBe(false);
        }
        if (second < leaves.length) {
          expect(verifyConsistency(first, second + 1, r1, mth(leaves.slice(0, second + 1)), p)).toBe(false);
        }
        if (first > 1 && first < second) expect(verifyConsistency(first - 1, second, mth(leaves.slice(0, first - 1)), r2, p)).toBe(false);
      }
    }
  });

  it('return false for malformed proofs, and assertConsistency names them MALFORMED', () => {
    const r = (n: number): Uint8Array => mth(leaves.slice(0, n));
    const p = consistencyProof(leaves, 3, 7);
    const malformed: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      [0, 7, r(0), r(7), p],
      [8, 7, r(8), r(7), p],
      [3, 7, r(3), r(7), []],
      [3, 7, r(3), r(7), p.slice(1)],
      [3, 7, r(3), r(7), [...p, r(1)]],
      [3, 7, r(3), r(7), [new Uint8Array(64 + 1), ...p.slice(1)]],
      [3, 7, r(3).subarray(2), r(7), p],
      [3, 7.5, r(3), r(7), p],
      [5, 5, r(5), r(5), [r(5)]],
    ];
    for (const args of malformed) {
      expect(verifyConsistency(...args)).toBe(false);
      let code: unknown;
      try {
        assertConsistency(...args);
      } catch (e) {
        code = isDareError(e) ? e.code : e;
      }
      expect(code).toBe('MALFORMED');
    }
    expect(verifyConsistency(5, 5, r(5), r(5), [])).toBe(true);
    expect(verifyConsistency(5, 5, r(5), r(4), [])).toBe(false);
    expect(() => assertConsistency(3, 7, r(3), r(6), p)).toThrow(expect.objectContaining({ code: 'MERKLE_MISMATCH' }));
    expect(() => verifyConsistency(3, 7, r(3), r(7), 'p' as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => consistencyProof(leaves, 0, 3)).toThrow(RangeError);
    expect(() => consistencyProof(leaves, 4, 3)).toThrow(RangeError);
  });
});

interface ReferenceFixture {
  description: string;
  payload: { description: string; length: number };
  payloadDigest: { value: string };
  emptyPayloadDigest: { value: string };
  printedChainDigest: { frames: number[]; value: string };
  printedTreeDigests: { frames: { frame: number; iterations: number; value: string }[] };
  frameZeroTrailer: { value: string };
  runningChainOfPayloadDigests: { values: string[] };
  proseChainDigests: { values: string[] };
}

const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/sequence/reference-digests.json', import.meta.url), 'utf8'),
) as ReferenceFixture;

/**
 * What the reference generator (Mathematical-Mesh f31d54e7, PlatformDare.cs) wrote in
 * Appendix B, per conformance/dare.md items 14-17: PayloadDigest H(payload); ChainDigest
 * C(null, PD) in every data frame; TreeDigest of data frame i = C(null, ·) applied
 * 1 + tz(i + 2) times to PD; frame 0's hidden trailer C(null, H('')). C(a, b) = H(a || b)
 * with a null side 64 zero bytes. Test-only: the library never writes these.
 */
function referenceGeneratorDigests(payload: Uint8Array, frames: number): {
  payloadDigest: Uint8Array; chainDigest: Uint8Array; treeDigests: Uint8Array[]; frameZeroTrailer: Uint8Array;
} {
  const zero = new Uint8Array(64);
  const C = (x: Uint8Array): Uint8Array => H(zero, x);
  const pd = H(payload);
  const treeDigests: Uint8Array[] = [];
  for (let i = 1; i <= frames; i++) {
    let x = C(pd);
    for (let n = i + 2; n % 2 === 0; n /= 2) x = C(x);
    treeDigests.push(x);
  }
  return { payloadDigest: pd, chainDigest: C(pd), treeDigests, frameZeroTrailer: C(H()) };
}

describe('fixtures/sequence/reference-digests.json (known-bad values of the reference, Appendix B)', () => {
  const payload = Uint8Array.from({ length: reference.payload.length }, (_, i) => i & 0xff);
  const got = referenceGeneratorDigests(payload, reference.printedTreeDigests.frames.length);

  it('has exactly the known sections', () => {
    expect(Object.keys(reference).sort()).toStrictEqual([
      'description', 'emptyPayloadDigest', 'frameZeroTrailer', 'payload', 'payloadDigest', 'printedChainDigest',
      'printedTreeDigests', 'proseChainDigests', 'runningChainOfPayloadDigests',
    ]);
  });

  it('reproduces the printed PayloadDigest, ChainDigest, TreeDigests and the frame-0 trailer', () => {
    expect(base64urlEncode(got.payloadDigest)).toBe(reference.payloadDigest.value);
    expect(base64urlEncode(H())).toBe(reference.emptyPayloadDigest.value);
    expect(base64urlEncode(got.chainDigest)).toBe(reference.printedChainDigest.value);
    expect(base64urlEncode(got.frameZeroTrailer)).toBe(reference.frameZeroTrailer.value);
    for (const [k, { frame, iterations, value }] of reference.printedTreeDigests.frames.entries()) {
      expect(frame).toBe(k + 1);
      expect(iterations).toBe(1 + Math.log2(lowbit(frame + 2)));
      expect(base64urlEncode(got.treeDigests[k] as Uint8Array)).toBe(value);
    }
  });

  it('is not what this module computes over the same inputs', () => {
    const pd = base64urlDecode(reference.payloadDigest.value);
    const leaves = [H(), pd, pd, pd, pd, pd, pd];
    const f = new MerkleFrontier();
    const ours = leaves.map((l) => base64urlEncode(f.append(l).treeDigest));
    const printed = new Set(reference.printedTreeDigests.frames.map((x) => x.value));
    for (const v of ours) expect(printed.has(v)).toBe(false);
    // The printed values repeat (frames 1, 3 and 5 are equal): they bind no other frame.
    expect(new Set(printed).size).toBeLessThan(reference.printedTreeDigests.frames.length);
    expect(new Set(ours).size).toBe(ours.length);
  });
});
