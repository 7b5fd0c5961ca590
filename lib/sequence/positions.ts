/**
 * Frame positions of a sequence: the previous-frame function of
 * draft-hallambaker-mesh-dare-12 Appendix C (§4.1.1 "Tree", TreePosition), the
 * frames that hold the Merkle frontier, and the search path to any frame by index.
 * conformance/dare.md item 20 and CONFORMANCE.md item 10 confirm the closed form
 * against the draft's loop and the printed TreePosition values of §14.3.
 *
 * Frames are numbered n = 0, 1, 2, ...; lowbit(x) is the lowest set bit of x
 * (x & -x), computed with arithmetic so that every safe integer works (no 32-bit
 * overflow).
 *
 * - previous(0) = -1 (frame 0 carries no TreePosition). For n ≥ 1 let m = n + 1:
 *   previous(n) = m/2 - 1 if m is a power of two, else n - lowbit(m).
 *   In 1-based terms (m) this is a Fenwick tree: m - lowbit(m), or m/2 at an apex.
 *   TreePosition(n) is the start position of frame previous(n).
 * - treeFrontierFrames(n): collect n; stop if n + 1 is a power of two, else
 *   n ← n - lowbit(n + 1) and repeat. The TreeNode values of these frames (merkle.ts)
 *   are the Merkle frontier after frame n, newest (smallest subtree) first; apart from
 *   the first, each frame is previous() of the one before, so a reader reaches them
 *   by following TreePosition links: popcount(n + 1) frames, O(log n).
 * - framePath(target, last): from current = last, until current = target: if
 *   previous(current) ≥ target jump to previous(current), else step to current - 1.
 *   Cost: this greedy walk is a shortest path over the links a frame offers (its
 *   TreePosition and the frame before it; checked by breadth-first search in
 *   positions.test.ts), but it is Θ(log² n) frames in the worst case, NOT O(log n):
 *   after a step back, current + 1 ends in a run of ones and the jumps clear them one
 *   bit at a time from the bottom, and the next overshoot starts a run one bit shorter.
 *   With b = ⌈log2(last + 2)⌉ the path has at most b(b - 1)/2 + 2 frames, and
 *   framePath(2^(k-1), 2^(k+1) - 2) has exactly k(k + 1)/2 + 1 (211 frames for k = 20,
 *   about 2 million frames; the mean over targets is about 94 there). No walk over these
 *   links does better, so O(log n) random access needs an index frame (§4.1.2) or the
 *   positions a writer already holds.
 * @module
 */
import { aInteger } from '../internal/bytes.js';

/** The largest frame index handled: n + 1 must still be a safe integer. */
export const MAX_FRAME_INDEX = Number.MAX_SAFE_INTEGER - 1;

const TWO32 = 0x1_0000_0000;

/** Lowest set bit of a 32-bit unsigned value given as a number. */
function lowbit32(x: number): number {
  return (x & -x) >>> 0;
}

/** lowbit(x) = x & -x for any positive safe integer x (0 gives 0). */
export function lowbit(x: number): number {
  const low = x % TWO32;
  if (low !== 0) return lowbit32(low);
  const high = Math.floor(x / TWO32);
  return high === 0 ? 0 : lowbit32(high) * TWO32;
}

/** True when x is a power of two (x ≥ 1). */
export function isPowerOfTwo(x: number): boolean {
  return x >= 1 && lowbit(x) === x;
}

function checkFrame(n: unknown, name: string): asserts n is number {
  aInteger(n, name, 0, MAX_FRAME_INDEX);
}

/**
 * The frame TreePosition of frame `n` points at (Appendix C): -1 for frame 0,
 * else, with m = n + 1, m/2 - 1 when m is a power of two and n - lowbit(m) otherwise.
 * TypeError/RangeError unless n is an integer in [0, {@link MAX_FRAME_INDEX}].
 */
export function previousFrame(n: number): number {
  checkFrame(n, 'n');
  if (n === 0) return -1;
  const m = n + 1;
  const low = lowbit(m);
  return low === m ? m / 2 - 1 : n - low;
}

/**
 * The frames whose TreeNode values make up the Merkle frontier after frame `n`
 * (the perfect subtrees of the tree of n + 1 leaves), newest first: n, then
 * n - lowbit(n + 1), ..., ending at the frame f where f + 1 is a power of two.
 * Frame f covers the leftmost (largest) subtree; the list has popcount(n + 1) entries.
 */
export function treeFrontierFrames(n: number): number[] {
  checkFrame(n, 'n');
  const out: number[] = [n];
  let cur = n;
  while (!isPowerOfTwo(cur + 1)) {
    cur -= lowbit(cur + 1);
    out.push(cur);
  }
  return out;
}

/**
 * The frames visited when seeking frame `target` from frame `last` by following
 * previous() (TreePosition) links and stepping back one frame where the link would
 * overshoot, `last` first and `target` last: a shortest such walk, of at most
 * b(b - 1)/2 + 2 frames with b = ⌈log2(last + 2)⌉ (Θ(log² last) in the worst case,
 * see the module comment). RangeError unless 0 ≤ target ≤ last.
 */
export function framePath(target: number, last: number): number[] {
  checkFrame(target, 'target');
  checkFrame(last, 'last');
  if (target > last) throw new RangeError(`"target" (${target}) is after "last" (${last})`);
  const out: number[] = [last];
  let cur = last;
  while (cur !== target) {
    const p = previousFrame(cur);
    cur = p >= target ? p : cur - 1;
    out.push(cur);
  }
  return out;
}

/**
 * TreePosition of frame `n` given the start position of every frame so far
 * (`starts[i]` = position of frame i): the start of frame previous(n), or undefined
 * for frame 0. RangeError when that frame's start is missing.
 */
export function treePosition(n: number, starts: readonly number[] | ((frame: number) => number)): number | undefined {
  const p = previousFrame(n);
  if (p < 0) return undefined;
  const s = typeof starts === 'function' ? starts(p) : starts[p];
  if (s === undefined) throw new RangeError(`no start position for frame ${p}`);
  return s;
}
