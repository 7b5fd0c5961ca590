/**
 * Reading sequence frames (draft-hallambaker-mesh-dare-12 §4.1; docs/FORMAT.md §8):
 * one frame's header and trailer without its payload, the last intact frame of a
 * file (finding a torn tail left by an interrupted append), and the search for a
 * frame by index through TreePosition links (Appendix C) in O(log n) reads.
 * @module
 */
import { DareError } from '../errors.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { previousFrameStart, readFrame, readRecord, type RecordInfo } from '../encoding/jbcd.js';
import { type RandomAccessReader } from '../internal/random-access.js';
import { parseHeader, parseTrailer, type DareHeader, type DareTrailer } from '../envelope/schema.js';
import { previousFrame } from './positions.js';
import { copyBytes } from '../internal/pool.js';

/** A frame as found in the file: where it is, its header and trailer. */
export interface FrameView {
  readonly index: number;
  readonly position: number;
  readonly end: number;
  readonly headerRecord: Uint8Array;
  readonly header: DareHeader;
  readonly trailer?: DareTrailer;
  /** The payload record, absent when the frame has none. */
  readonly payload?: RecordInfo;
  readonly isMeta: boolean;
}

function decodeRecord(bytes: Uint8Array, what: string): ReturnType<typeof decodeJsonB> {
  try {
    return decodeJsonB(bytes);
  } catch (e) {
    if (e instanceof DareError && e.code === 'LIMIT_EXCEEDED') throw e;
    throw new DareError('HEADER_MALFORMED', `${what} is not json or json-b`, { cause: e });
  }
}

/** Reads the frame at `position` (header and trailer records; the payload stays on disk). */
export async function readFrameView(r: RandomAccessReader, position: number): Promise<FrameView> {
  const f = await readFrame(r, position);
  const [h, p, t] = f.records;
  if (h === undefined) throw new DareError('HEADER_MALFORMED', `frame at offset ${position} has no header record`);
  if (f.records.length > 3) throw new DareError('HEADER_MALFORMED', `frame at offset ${position} has ${f.records.length} records`);
  if (h.length > 16 << 20) throw new DareError('LIMIT_EXCEEDED', `frame header at offset ${position} is larger than 16 MiB`);
  const headerRecord = copyBytes(await readRecord(r, h));
  const header = parseHeader(decodeRecord(headerRecord, `header of the frame at offset ${position}`));
  let trailer: DareTrailer | undefined;
  if (t !== undefined && t.length > 0) {
    if (t.length > 16 << 20) throw new DareError('LIMIT_EXCEEDED', `frame trailer at offset ${position} is larger than 16 MiB`);
    trailer = parseTrailer(decodeRecord(await readRecord(r, t), `trailer of the frame at offset ${position}`));
  }
  const index = header.sequenceInfo?.index;
  if (index === undefined) throw new DareError('HEADER_MALFORMED', `frame at offset ${position} has no SequenceInfo.Index`);
  // Every frame takes at least 4 bytes, so frame n cannot start before offset n: this also
  // keeps hostile indexes (up to 2^53 - 1) inside what positions.ts computes with.
  if (index > position) throw new DareError('SEQUENCE_ORDER', `frame at offset ${position} claims index ${index}: fewer frames fit before it`);
  return {
    index, position, end: f.end, headerRecord, header, trailer,
    payload: p !== undefined && p.length > 0 ? p : undefined,
    isMeta: header.sequenceInfo?.isMeta === true,
  };
}

/** The last intact frame and how many bytes after it are torn. */
export interface Tail {
  readonly last: FrameView;
  /** Bytes after the last intact frame (0 when the file ends cleanly). */
  readonly tornBytes: number;
}

/**
 * Finds the last intact frame. The fast path reads backwards from the end; when the
 * end does not close a frame that follows the one before it, the file is walked
 * forwards from frame 0 to the last frame that reads whole (an append was cut off).
 */
export async function findTail(r: RandomAccessReader, first: FrameView): Promise<Tail> {
  const size = await r.size();
  if (size === first.end) return { last: first, tornBytes: 0 };
  try {
    const start = await previousFrameStart(r, size);
    if (start >= first.end) {
      const last = await readFrameView(r, start);
      if (last.end === size && last.index > 0 && (await anchored(r, last))) return { last, tornBytes: 0 };
    }
  } catch (e) {
    if (!(e instanceof DareError)) throw e;
  }
  let last = first;
  for (;;) {
    if (last.end >= size) break;
    let next: FrameView;
    try {
      next = await readFrameView(r, last.end);
    } catch (e) {
      if (!(e instanceof DareError)) throw e;
      break;
    }
    if (next.index !== last.index + 1) break;
    last = next;
  }
  return { last, tornBytes: size - last.end };
}

/**
 * Whether a frame that closes the file is a frame of this file and not one inside a payload:
 * a file cut right after a whole frame embedded in a payload (an archived sequence, a copy of
 * this file's own frames) ends with a frame that reads whole. Frames are contiguous, so the
 * frame before `last` must end where it starts, and of the two, the one with an even index
 * e ≥ 2 has previous(e) = e - 1 (Appendix C): its TreePosition must name a frame e - 1 that
 * ends exactly where frame e starts. A frame copied to another offset fails that, since
 * TreePosition values are absolute. When the positions disagree the tail is found by walking
 * forwards from frame 0 (which reads through a damaged TreePosition to the real last frame).
 * Types without TreePosition (List, Digest, Chain) give no such anchor: for them a cut right
 * after an embedded frame is not recognised (docs/FORMAT.md §8).
 */
async function anchored(r: RandomAccessReader, last: FrameView): Promise<boolean> {
  // Only positive evidence of a copy counts; anything else (a damaged or reordered frame)
  // keeps the last frame, and reading or verifying reports the damage.
  const tp0 = last.header.sequenceInfo?.treePosition;
  if (tp0 === undefined) return true;
  try {
    const before = await readFrameView(r, await previousFrameStart(r, last.position));
    if (before.index !== last.index - 1 || before.end !== last.position) return true;
    const even = last.index % 2 === 0 ? last : before;
    if (even.index === 0) return even.position === 0;
    const tp = even.header.sequenceInfo?.treePosition;
    if (tp === undefined || tp >= even.position) return true;
    const prev = await readFrameView(r, tp);
    return prev.index !== even.index - 1 || prev.end === even.position;
  } catch (e) {
    // A damaged frame before the last is not evidence of a torn tail: walking forwards would
    // stop at it and an appender would cut every good frame after it. Keep the last frame;
    // reading or verifying the damaged one reports it.
    if (e instanceof DareError) return true;
    throw e;
  }
}

/**
 * Finds frame `target` starting from frame `from` (target ≤ from.index) by jumping
 * along TreePosition links (to previous(n), Appendix C) when that does not pass the
 * target, and stepping one frame back otherwise: O(log n) frames read.
 */
export async function seekFrame(r: RandomAccessReader, from: FrameView, target: number): Promise<FrameView> {
  if (!Number.isSafeInteger(target) || target < 0) throw new RangeError('frame index must be a non-negative integer');
  if (target > from.index) throw new DareError('MALFORMED', `no frame ${target}: the sequence ends at frame ${from.index}`);
  let cur = from;
  // Terminates without a step cap: every frame read has a smaller index and starts before the
  // one it came from (checked below). Without TreePosition (List, Digest, Chain) the walk steps
  // back one frame at a time, so it may read from.index - target frames.
  while (cur.index !== target) {
    const jump = cur.header.sequenceInfo?.treePosition;
    // previous(n) is known from n alone (Appendix C); read the frame only if we go there.
    const useJump = jump !== undefined && jump < cur.position && previousFrame(cur.index) >= target;
    const next = await readFrameView(r, useJump ? jump : await previousFrameStart(r, cur.position));
    if (next.index >= cur.index) throw new DareError('SEQUENCE_ORDER', `frame indexes do not decrease at offset ${next.position}`);
    if (next.index < target) throw new DareError('SEQUENCE_ORDER', `frame ${target} is not where the frames before and after it say (offset ${next.position} has frame ${next.index})`);
    cur = next;
  }
  return cur;
}
