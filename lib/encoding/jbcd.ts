/**
 * JBCD records and bidirectional frames (draft-hallambaker-jsonbcd-21 §7,
 * draft-hallambaker-mesh-dare-12 §4, conformance/dare.md item 11).
 *
 * - record = `F0+k` | length big-endian in 1/2/4/8 bytes (k = 0..3) | data
 * - frame  = `F4+k` | length big-endian | body | length LITTLE-endian | `F4+k`
 * The writer always uses the shortest k; readers accept any k but require the leading and
 * trailing tag and length of a frame to agree. A DARE frame body is the header record, then
 * the payload record, then the trailer record. The reference writer puts an empty record
 * `f0 00` for a missing payload or trailer in frame 0, and in later frames omits a missing
 * trailer ({@link encodeFrame} `frameZero`); a missing payload before a trailer is written
 * as `f0 00` so that the trailer stays the third record.
 *
 * Readers work over {@link RandomAccessReader} and never read record data they are not asked
 * for, so frames of any size (multi-GiB payloads) can be walked. Errors: TRUNCATED when the
 * input ends inside a frame, MALFORMED when tags or lengths disagree or a record crosses the
 * end of its frame.
 * @module
 */
import { DareError } from '../errors.js';
import { lengthCode, putUint } from './jsonb-writer.js';
import type { RandomAccessReader } from '../internal/random-access.js';

export const RECORD_TAG = 0xf0;
export const FRAME_TAG = 0xf4;

function checkLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`length must be a non-negative safe integer, got ${n}`);
}

/** `F0+k` and the big-endian length of a record holding `length` bytes. */
export function recordHeader(length: number): Uint8Array {
  checkLength(length);
  const k = lengthCode(length);
  const out = new Uint8Array(1 + (1 << k));
  out[0] = RECORD_TAG + k;
  putUint(out, 1, length, 1 << k);
  return out;
}

/** The leading `F4+k` and big-endian length of a frame whose body is `bodyLength` bytes. */
export function frameHeader(bodyLength: number): Uint8Array {
  checkLength(bodyLength);
  const k = lengthCode(bodyLength);
  const out = new Uint8Array(1 + (1 << k));
  out[0] = FRAME_TAG + k;
  putUint(out, 1, bodyLength, 1 << k);
  return out;
}

/** The closing little-endian length and `F4+k` of a frame whose body is `bodyLength` bytes. */
export function frameTrailer(bodyLength: number): Uint8Array {
  const head = frameHeader(bodyLength);
  const out = new Uint8Array(head.length);
  for (let i = 0; i < head.length; i++) out[i] = head[head.length - 1 - i] as number;
  return out;
}

/** Bytes of a record holding `length` data bytes, header included. */
export function recordSize(length: number): number {
  checkLength(length);
  return 1 + (1 << lengthCode(length)) + length;
}

/** Bytes of a whole frame with a body of `bodyLength` bytes. */
export function frameSize(bodyLength: number): number {
  checkLength(bodyLength);
  return 2 * (1 + (1 << lengthCode(bodyLength))) + bodyLength;
}

export interface FrameParts {
  header: Uint8Array;
  payload?: Uint8Array;
  trailer?: Uint8Array;
  /** Frame 0 of a sequence: a missing payload and trailer are written as `f0 00`. */
  frameZero?: boolean;
}

/** Encodes one frame from its record bodies (see the module comment for missing records). */
export function encodeFrame(parts: FrameParts): Uint8Array {
  const empty = new Uint8Array(0);
  const records: Uint8Array[] = [parts.header];
  if (parts.payload !== undefined || parts.trailer !== undefined || parts.frameZero) records.push(parts.payload ?? empty);
  if (parts.trailer !== undefined || parts.frameZero) records.push(parts.trailer ?? empty);
  let body = 0;
  for (const r of records) body += recordSize(r.length);
  const total = frameSize(body);
  const out = new Uint8Array(total);
  const head = frameHeader(body);
  out.set(head, 0);
  let o = head.length;
  for (const r of records) {
    const rh = recordHeader(r.length);
    out.set(rh, o);
    out.set(r, o + rh.length);
    o += rh.length + r.length;
  }
  out.set(frameTrailer(body), o);
  return out;
}

export interface RecordInfo {
  /** Position of the record's tag. */
  position: number;
  /** Position of its first data byte. */
  dataPosition: number;
  /** Data bytes. */
  length: number;
}

export interface FrameInfo {
  /** Position of the frame's leading tag. */
  start: number;
  /** Position just past the frame (the next frame's start). */
  end: number;
  /** Position and length of the body between the length fields. */
  bodyPosition: number;
  bodyLength: number;
  records: RecordInfo[];
}

function bigEndian(b: Uint8Array, pos: number, width: number, littleEndian = false): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + (b[littleEndian ? pos + width - 1 - i : pos + i] as number);
  return n;
}

async function readExactly(r: RandomAccessReader, position: number, length: number, what: string): Promise<Uint8Array> {
  const b = await r.read(position, length);
  if (b.length < length) throw new DareError('TRUNCATED', `jbcd: input ends inside ${what} at offset ${position}`);
  return b;
}

/** Tag and length at `position`: `[width, length]`; checks the tag is `base+k`. */
async function readTagLength(r: RandomAccessReader, position: number, base: number, what: string): Promise<[number, number]> {
  const t = (await readExactly(r, position, 1, what))[0] as number;
  if ((t & 0xfc) !== base) throw new DareError('MALFORMED', `jbcd: expected ${what} tag at offset ${position}, found 0x${t.toString(16)}`);
  const w = 1 << (t & 3);
  const len = bigEndian(await readExactly(r, position + 1, w, what), 0, w);
  if (len > Number.MAX_SAFE_INTEGER) throw new DareError('MALFORMED', `jbcd: ${what} length beyond 2^53 at offset ${position}`);
  return [w, len];
}

/**
 * Reads the frame starting at `position`: checks the leading and trailing tag and length and
 * the records inside, and returns where everything is. Reads only tags and length fields.
 */
export async function readFrame(r: RandomAccessReader, position: number): Promise<FrameInfo> {
  const size = await r.size();
  const [w, bodyLength] = await readTagLength(r, position, FRAME_TAG, 'frame');
  const bodyPosition = position + 1 + w;
  const end = bodyPosition + bodyLength + w + 1;
  if (end > size) throw new DareError('TRUNCATED', `jbcd: frame at offset ${position} runs past the end of the input`);
  const tail = await readExactly(r, bodyPosition + bodyLength, w + 1, 'frame');
  if (tail[w] !== FRAME_TAG + Math.log2(w) || bigEndian(tail, 0, w, true) !== bodyLength) {
    throw new DareError('MALFORMED', `jbcd: frame at offset ${position} has inconsistent leading and trailing lengths`);
  }
  const records: RecordInfo[] = [];
  let p = bodyPosition;
  const bodyEnd = bodyPosition + bodyLength;
  while (p < bodyEnd) {
    if (bodyEnd - p < 2) throw new DareError('MALFORMED', `jbcd: record header crosses the end of the frame at offset ${p}`);
    const [rw, len] = await readTagLength(r, p, RECORD_TAG, 'record');
    const dataPosition = p + 1 + rw;
    if (dataPosition > bodyEnd || len > bodyEnd - dataPosition) {
      throw new DareError('MALFORMED', `jbcd: record at offset ${p} crosses the end of its frame`);
    }
    records.push({ position: p, dataPosition, length: len });
    p = dataPosition + len;
  }
  return { start: position, end, bodyPosition, bodyLength, records };
}

/** The data of one record (a view for {@link MemoryReader}). */
export async function readRecord(r: RandomAccessReader, record: RecordInfo): Promise<Uint8Array> {
  return readExactly(r, record.dataPosition, record.length, 'record');
}

/**
 * Start of the frame that ends at `frameEnd` (reading backwards from its trailing tag and
 * little-endian length); the leading tag and length are checked against the trailing ones.
 */
export async function previousFrameStart(r: RandomAccessReader, frameEnd: number): Promise<number> {
  if (!Number.isSafeInteger(frameEnd) || frameEnd < 0) throw new RangeError('frame end must be a non-negative integer');
  if (frameEnd < 1) throw new DareError('TRUNCATED', 'jbcd: no frame before offset 0');
  const t = (await readExactly(r, frameEnd - 1, 1, 'frame'))[0] as number;
  if ((t & 0xfc) !== FRAME_TAG) throw new DareError('MALFORMED', `jbcd: expected a frame tag before offset ${frameEnd}, found 0x${t.toString(16)}`);
  const w = 1 << (t & 3);
  if (frameEnd - 1 - w < 0) throw new DareError('TRUNCATED', `jbcd: frame trailer before offset ${frameEnd} is cut off`);
  const bodyLength = bigEndian(await readExactly(r, frameEnd - 1 - w, w, 'frame'), 0, w, true);
  const start = frameEnd - 2 * (1 + w) - bodyLength;
  if (start < 0) throw new DareError('TRUNCATED', `jbcd: frame ending at offset ${frameEnd} starts before offset 0`);
  const [lw, len] = await readTagLength(r, start, FRAME_TAG, 'frame');
  if (lw !== w || len !== bodyLength) {
    throw new DareError('MALFORMED', `jbcd: frame ending at offset ${frameEnd} has inconsistent leading and trailing lengths`);
  }
  return start;
}
