/**
 * Tests of lib/sequence/positions.ts: the fixtures of fixtures/sequence/positions.json
 * (draft-hallambaker-mesh-dare-12 §4.1.1, Appendix C, §14.3; conformance/dare.md items
 * 14 and 20), the closed form against the draft's loop, large indexes, the Merkle
 * frontier frames and the cost of framePath.
 * @module
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_INDEX, framePath, isPowerOfTwo, lowbit, previousFrame, treeFrontierFrames, treePosition,
} from './positions.js';

interface PositionsFixture {
  description: string;
  source: string;
  previousFrame: { frame: number; previous: number; source: string }[];
  previousFrameTable: { source: string; values: number[] };
  treePosition: { source: string; frameStarts: number[]; treePositions: { frame: number; treePosition: number }[] };
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/sequence/positions.json', import.meta.url), 'utf8')) as PositionsFixture;

/** Appendix C of the draft, transcribed (C# `long`, small values only). */
function draftPreviousFrame(frame: number): number {
  let x2 = frame + 1;
  let d = 1;
  while (x2 > 0) {
    if ((x2 & 1) === 1) return x2 === 1 ? Math.trunc(d / 2) - 1 : frame - d;
    d = d * 2;
    x2 = Math.trunc(x2 / 2);
  }
  return 0;
}

/** Shortest walk length (frames visited) from `last` to `target` over previous() and -1 links. */
function shortestWalk(target: number, last: number): number {
  const seen = new Set([last]);
  let level = [last];
  for (let len = 1; level.length; len++) {
    const next: number[] = [];
    for (const c of level) {
      if (c === target) return len;
      for (const n of [previousFrame(c), c - 1]) {
        if (n >= target && !seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
      }
    }
    level = next;
  }
  throw new RangeError('unreachable');
}

describe('fixtures/sequence/positions.json', () => {
  it('has exactly the known sections', () => {
    expect(Object.keys(fixture).sort()).toStrictEqual(['description', 'previousFrame', 'previousFrameTable', 'source', 'treePosition']);
    expect(fixture.previousFrame.length).toBeGreaterThan(0);
  });

  it.each(fixture.previousFrame)('previousFrame($frame) = $previous ($source)', ({ frame, previous }) => {
    expect(previousFrame(frame)).toBe(previous);
    expect(draftPreviousFrame(frame)).toBe(previous);
  });

  it('previousFrame table 0..16', () => {
    expect(fixture.previousFrameTable.values.map((_, n) => previousFrame(n))).toStrictEqual(fixture.previousFrameTable.values);
  });

  it('TreePosition of §14.3 is the start of frame previous(n)', () => {
    const { frameStarts, treePositions } = fixture.treePosition;
    expect(treePositions.length).toBe(frameStarts.length - 1);
    for (const { frame, treePosition: tp } of treePositions) {
      expect(treePosition(frame, frameStarts)).toBe(tp);
      expect(treePosition(frame, (i) => frameStarts[i] as number)).toBe(tp);
    }
    expect(treePosition(0, frameStarts)).toBeUndefined();
    expect(() => treePosition(3, [0])).toThrow(RangeError);
  });
});

describe('previousFrame', () => {
  it('equals the draft loop (Appendix C) for n < 100000', () => {
    for (let n = 0; n < 100_000; n++) {
      if (previousFrame(n) !== draftPreviousFrame(n)) expect.fail(`n = ${n}`);
    }
  });

  it('handles indexes past 32 bits exactly', () => {
    const p52 = 2 ** 52;
    expect(previousFrame(p52 - 1)).toBe(2 ** 51 - 1);
    expect(previousFrame(p52)).toBe(p52 - 1);
    expect(previousFrame(3 * 2 ** 40 - 1)).toBe(2 * 2 ** 40 - 1);
    expect(previousFrame(2 ** 32 - 1)).toBe(2 ** 31 - 1);
    expect(previousFrame(2 ** 32)).toBe(2 ** 32 - 1);
    expect(previousFrame(2 ** 31 - 1)).toBe(2 ** 30 - 1);
    expect(previousFrame(2 ** 33 + 2 ** 31 - 1)).toBe(2 ** 33 - 1);
    expect(previousFrame(MAX_FRAME_INDEX)).toBe(MAX_FRAME_INDEX - 1);
    expect(previousFrame(2 ** 53 - 2 ** 20 - 1)).toBe(2 ** 53 - 2 ** 21 - 1);
  });

  it('rejects misuse with TypeError/RangeError', () => {
    expect(() => previousFrame(-1)).toThrow(RangeError);
    expect(() => previousFrame(MAX_FRAME_INDEX + 1)).toThrow(RangeError);
    expect(() => previousFrame(1.5)).toThrow(TypeError);
    expect(() => previousFrame(Number.NaN)).toThrow(TypeError);
    expect(() => previousFrame('3' as unknown as number)).toThrow(TypeError);
  });
});

describe('lowbit / isPowerOfTwo', () => {
  it('match x & -x below 2^31 and arithmetic above', () => {
    for (let x = 1; x < 5000; x++) expect(lowbit(x)).toBe(x & -x);
    expect(lowbit(0)).toBe(0);
    expect(lowbit(2 ** 31)).toBe(2 ** 31);
    expect(lowbit(2 ** 32 - 1)).toBe(1);
    expect(lowbit(3 * 2 ** 33)).toBe(2 ** 33);
    expect(lowbit(2 ** 52)).toBe(2 ** 52);
    expect(lowbit(2 ** 52 + 2 ** 40)).toBe(2 ** 40);
    expect(lowbit(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(lowbit(Number.MAX_SAFE_INTEGER - 1)).toBe(2);
    expect(isPowerOfTwo(1)).toBe(true);
    expect(isPowerOfTwo(2 ** 52)).toBe(true);
    expect(isPowerOfTwo(2 ** 52 + 2)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
    expect(isPowerOfTwo(6)).toBe(false);
  });
});

describe('treeFrontierFrames', () => {
  it('gives the examples', () => {
    expect(treeFrontierFrames(0)).toStrictEqual([0]);
    expect(treeFrontierFrames(2)).toStrictEqual([2, 1]);
    expect(treeFrontierFrames(5)).toStrictEqual([5, 3]);
    expect(treeFrontierFrames(6)).toStrictEqual([6, 5, 3]);
    expect(treeFrontierFrames(7)).toStrictEqual([7]);
    expect(treeFrontierFrames(10)).toStrictEqual([10, 9, 7]);
    expect(treeFrontierFrames(2 ** 52 - 1)).toStrictEqual([2 ** 52 - 1]);
    expect(treeFrontierFrames(2 ** 52 + 2)).toStrictEqual([2 ** 52 + 2, 2 ** 52 + 1, 2 ** 52 - 1]);
  });

  it('covers n + 1 leaves with popcount(n + 1) perfect subtrees reachable by previous() links', () => {
    for (let n = 0; n < 5000; n++) {
      const f = treeFrontierFrames(n);
      if (f.length !== (n + 1).toString(2).replace(/0/g, '').length) expect.fail(`n = ${n}: ${f.length} frames`);
      // Each frame covers lowbit(f + 1) leaves ending at f; together they tile 0..n.
      let end = n + 1;
      let ok = true;
      for (const [i, frame] of f.entries()) {
        ok &&= frame === end - 1 && (i === 0 || frame === previousFrame(f[i - 1] as number));
        end -= lowbit(frame + 1);
      }
      if (!ok || end !== 0) expect.fail(`n = ${n}: ${f.join(',')}`);
    }
  });
});

describe('framePath', () => {
  it('walks from last to target by previous() links and single steps back', () => {
    expect(framePath(5, 5)).toStrictEqual([5]);
    expect(framePath(10, 15)).toStrictEqual([15, 14, 13, 11, 10]);
    expect(framePath(0, 6)).toStrictEqual([6, 5, 3, 1, 0]);
    for (let last = 0; last < 200; last++) {
      for (let target = 0; target <= last; target++) {
        const p = framePath(target, last);
        let ok = p[0] === last && p[p.length - 1] === target;
        for (let i = 1; i < p.length; i++) {
          const from = p[i - 1] as number;
          const to = p[i] as number;
          ok &&= (to === previousFrame(from) || to === from - 1) && to >= target;
        }
        if (!ok) expect.fail(`${target} from ${last}: ${p.join(',')}`);
      }
    }
  });

  it('is a shortest walk over those links (breadth-first search, last < 160)', () => {
    for (let last = 0; last < 160; last++) {
      for (let target = 0; target <= last; target++) {
        if (framePath(target, last).length !== shortestWalk(target, last)) expect.fail(`${target} from ${last}`);
      }
    }
  });

  it('has at most b(b - 1)/2 + 2 frames, b = ⌈log2(last + 2)⌉ (all pairs, last < 1024)', () => {
    for (let last = 0; last < 1024; last++) {
      const b = Math.ceil(Math.log2(last + 2));
      const bound = (b * (b - 1)) / 2 + 2;
      for (let target = 0; target <= last; target++) {
        if (framePath(target, last).length > bound) expect.fail(`${target} from ${last}`);
      }
    }
  });

  it('is Θ(log² n), not O(log n): framePath(2^(k-1), 2^(k+1) - 2) has k(k + 1)/2 + 1 frames', () => {
    for (let k = 2; k <= 20; k++) {
      expect(framePath(2 ** (k - 1), 2 ** (k + 1) - 2).length).toBe((k * (k + 1)) / 2 + 1);
    }
  });

  it('works past 32 bits and rejects misuse', () => {
    const p = framePath(2 ** 40 + 12345, 2 ** 52 + 7);
    expect(p[p.length - 1]).toBe(2 ** 40 + 12345);
    expect(p.length).toBeLessThanOrEqual(54 * 53 / 2 + 2);
    expect(framePath(0, 2 ** 52).length).toBeLessThan(60);
    expect(() => framePath(6, 5)).toThrow(RangeError);
    expect(() => framePath(-1, 5)).toThrow(RangeError);
    expect(() => framePath(0, 0.5)).toThrow(TypeError);
  });
});
