/**
 * Property tests of lib/sequence/merkle.ts and chain.ts (RFC 9162 §2.1 over frame
 * digests; the project's ChainDigest) against the naive twin in
 * reference/merkle-naive.ts, which recomputes everything from the full leaf list.
 * Fixed seed; a few hundred runs, ten times as many with SLOW=1.
 * @module
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../lib/internal/bytes.js';
import { Chain } from '../lib/sequence/chain.js';
import {
  MerkleFrontier, consistencyProof, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion,
} from '../lib/sequence/merkle.js';
import { treeFrontierFrames } from '../lib/sequence/positions.js';
import {
  naiveChain, naiveConsistency, naiveMth, naivePath, naiveTreeDigest, naiveTreeNode,
} from './reference/merkle-naive.js';

const SLOW = process.env.SLOW === '1';
const SEED = 0x5e9_7ee;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: SLOW ? numRuns * 10 : numRuns, seed: SEED });

const fd = fc.uint8Array({ minLength: 64, maxLength: 64 });
/**
 * Leaf lists: mostly up to 40, some up to `max` (several frontier levels). `size: 'max'`
 * so that lengths spread over the whole range (fast-check's default keeps arrays short).
 */
const leafList = (max: number): fc.Arbitrary<Uint8Array[]> => fc.oneof(
  { arbitrary: fc.array(fd, { minLength: 1, maxLength: 40, size: 'max' }), weight: 3 },
  { arbitrary: fc.array(fd, { minLength: 1, maxLength: max, size: 'max' }), weight: 1 },
);
const hex = toHex;
const flipBit = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice();
  const i = (bit >>> 3) % c.length;
  c[i] = (c[i] as number) ^ (1 << (bit & 7));
  return c;
};

describe('MerkleFrontier against the naive twin', () => {
  it('gives TreeDigest(n) and TreeNode(n) at every small size and a stride of large ones', () => {
    fc.assert(fc.property(leafList(300), (leaves) => {
      const f = new MerkleFrontier();
      const stride = Math.max(1, Math.floor(leaves.length / 40));
      for (let n = 0; n < leaves.length; n++) {
        const r = f.append(leaves[n] as Uint8Array);
        // The recursive twin is O(n) per size; check all small sizes and a stride of large ones.
        if (n < 64 || n % stride === 0 || n === leaves.length - 1) {
          expect(hex(r.treeDigest)).toBe(hex(naiveTreeDigest(leaves, n)));
          expect(hex(r.treeNode)).toBe(hex(naiveTreeNode(leaves, n)));
        }
      }
      expect(hex(merkleRoot(leaves))).toBe(hex(naiveMth(leaves)));
    }), params(100));
  });

  it('agrees with the twin at every size up to 300 (1000 with SLOW=1), one tree', () => {
    const leaves = fc.sample(fd, { numRuns: SLOW ? 1000 : 300, seed: SEED });
    const f = new MerkleFrontier();
    for (let n = 0; n < leaves.length; n++) {
      if (hex(f.append(leaves[n] as Uint8Array).treeDigest) !== hex(naiveTreeDigest(leaves, n))) expect.fail(`size ${n + 1}`);
    }
  });

  it('fromNodes(TreeNodes of the frontier frames) continues identically', () => {
    fc.assert(fc.property(leafList(200), fc.array(fd, { minLength: 1, maxLength: 20, size: 'max' }), (leaves, more) => {
      const f = new MerkleFrontier();
      const nodes = leaves.map((l) => f.append(l).treeNode);
      const g = MerkleFrontier.fromNodes(leaves.length, treeFrontierFrames(leaves.length - 1).map((i) => nodes[i] as Uint8Array));
      expect(hex(g.root())).toBe(hex(f.root()));
      for (const m of more) expect(hex(g.append(m).treeDigest)).toBe(hex(f.append(m).treeDigest));
      expect(hex(g.root())).toBe(hex(naiveMth([...leaves, ...more])));
    }), params(200));
  });

  it('appending never changes earlier TreeDigests', () => {
    fc.assert(fc.property(leafList(120), fc.array(fd, { minLength: 1, maxLength: 60, size: 'max' }), (leaves, more) => {
      const a = new MerkleFrontier();
      const before = leaves.map((l) => hex(a.append(l).treeDigest));
      const b = new MerkleFrontier();
      const after = [...leaves, ...more].map((l) => hex(b.append(l).treeDigest));
      expect(after.slice(0, leaves.length)).toStrictEqual(before);
      // Every earlier apex is still provably a prefix of the longer tree.
      const all = [...leaves, ...more];
      const first = leaves.length;
      const second = all.length;
      const p = consistencyProof(all, first, second);
      expect(verifyConsistency(first, second, a.root(), b.root(), p)).toBe(true);
    }), params(200));
  });
});

describe('inclusion proofs', () => {
  const caseArb = leafList(120).chain((leaves) => fc.record({
    leaves: fc.constant(leaves),
    size: fc.integer({ min: 1, max: leaves.length }),
  })).chain(({ leaves, size }) => fc.record({
    leaves: fc.constant(leaves),
    size: fc.constant(size),
    index: fc.integer({ min: 0, max: size - 1 }),
    bit: fc.nat(),
    other: fc.nat(),
  }));

  it('verify at every index of a tree and equal the twin path', () => {
    fc.assert(fc.property(leafList(80), (leaves) => {
      const size = leaves.length;
      const root = naiveMth(leaves);
      for (let i = 0; i < size; i++) {
        const path = inclusionProof(leaves, i, size);
        expect(path.map(hex)).toStrictEqual(naivePath(i, leaves).map(hex));
        expect(verifyInclusion(leaves[i] as Uint8Array, i, size, path, root)).toBe(true);
      }
    }), params(100));
  });

  it('fail after a leaf flip, a path element flip, a wrong index or a wrong size', () => {
    fc.assert(fc.property(caseArb, ({ leaves, size, index, bit, other }) => {
      const prefix = leaves.slice(0, size);
      const root = naiveMth(prefix);
      const leaf = leaves[index] as Uint8Array;
      const path = inclusionProof(leaves, index, size);
      expect(verifyInclusion(leaf, index, size, path, root)).toBe(true);
      expect(verifyInclusion(flipBit(leaf, bit), index, size, path, root)).toBe(false);
      expect(verifyInclusion(leaf, index, size, path, flipBit(root, bit))).toBe(false);
      if (path.length > 0) {
        const k = other % path.length;
        expect(verifyInclusion(leaf, index, size, path.map((p, j) => (j === k ? flipBit(p, bit) : p)), root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, path.slice(1), root)).toBe(false);
      }
      expect(verifyInclusion(leaf, index, size, [...path, root], root)).toBe(false);
      const wrongIndex = (index + 1 + (other % Math.max(1, size - 1))) % size;
      if (wrongIndex !== index && !equalLeaves(leaves[wrongIndex], leaf)) {
        expect(verifyInclusion(leaf, wrongIndex, size, path, root)).toBe(false);
      }
      // A wrong size, checked against that size's TreeDigest (a path binds the root, not the size).
      const wrongSize = 1 + ((size + other % leaves.length) % leaves.length);
      if (wrongSize !== size && index < wrongSize) {
        expect(verifyInclusion(leaf, index, wrongSize, path, naiveMth(leaves.slice(0, wrongSize)))).toBe(false);
      }
      expect(verifyInclusion(leaf, size, size, path, root)).toBe(false);
      expect(verifyInclusion(leaf, index, 0, path, root)).toBe(false);
    }), params(300));
  });
});

function equalLeaves(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && hex(a) === hex(b);
}

describe('consistency proofs', () => {
  it('equal the twin and verify; fail when a node or root is flipped', () => {
    fc.assert(fc.property(leafList(100), fc.nat(), fc.nat(), (leaves, a, bit) => {
      const second = leaves.length;
      const first = 1 + (a % second);
      const p = consistencyProof(leaves, first, second);
      expect(p.map(hex)).toStrictEqual(naiveConsistency(first, leaves).map(hex));
      const r1 = naiveMth(leaves.slice(0, first));
      const r2 = naiveMth(leaves);
      expect(verifyConsistency(first, second, r1, r2, p)).toBe(true);
      expect(verifyConsistency(first, second, flipBit(r1, bit), r2, p)).toBe(false);
      expect(verifyConsistency(first, second, r1, flipBit(r2, bit), p)).toBe(false);
      if (p.length > 0) {
        const k = bit % p.length;
        expect(verifyConsistency(first, second, r1, r2, p.map((x, j) => (j === k ? flipBit(x, bit >>> 4) : x)))).toBe(false);
      }
    }), params(300));
  });
});

describe('Chain against the naive twin', () => {
  it('agrees at every frame, also after resuming', () => {
    fc.assert(fc.property(fc.array(fd, { minLength: 1, maxLength: 300, size: 'max' }), fc.nat(), (fds, cut) => {
      const want = naiveChain(fds).map(hex);
      const c = new Chain();
      expect(fds.map((x) => hex(c.append(x)))).toStrictEqual(want);
      const k = cut % fds.length;
      const r = Chain.resume(naiveChain(fds.slice(0, k + 1))[k] as Uint8Array, k + 1);
      expect(fds.slice(k + 1).map((x) => hex(r.append(x)))).toStrictEqual(want.slice(k + 1));
    }), params(200));
  });
});
