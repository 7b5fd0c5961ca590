/**
 * Replica operations of DARE sequences, the checks (issue 15 "The core gains what replicas
 * need"; mesh brief §3 Transact, §6 #7, §7): a sequence kept elsewhere (a device's catalog,
 * the service's copy of it) grows by frames received as bytes, checked here without the
 * payload keys and then appended verbatim (replica-file.ts), so every copy stays
 * byte-identical to the one that wrote them.
 *
 * A {@link ReplicaState} is what continuing a sequence needs: the index and apex of its last
 * frame, where the next frame starts, and (Merkle) the frontier's TreeNodes with their
 * frames' positions, which the next frames' TreeDigest, TreeNode and TreePosition follow
 * from. {@link checkFrames} parses each frame at the offset it will have, and requires the
 * next index, a PayloadDigest equal to SHA-512 of the payload as carried, and the
 * TreeDigest/TreeNode (Merkle) or ChainDigest (Chain) recomputed from the state (docs/FORMAT.md
 * §8: FD(n) binds the header record and the PayloadDigest). Only Merkle and Chain sequences of
 * this project's digest scheme chain their frames; other types are refused. Signatures and
 * PayloadMacs are not checked here: that needs keys (the reader does it).
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import { equalBytes } from '../internal/bytes.js';
import { frameDigest, DIGEST_SCHEME, type SequenceType } from './format.js';
import { readFrameView, type FrameView } from './frames.js';
import { MerkleFrontier, DIGEST_LENGTH } from './merkle.js';
import { Chain } from './chain.js';
import { previousFrame, treeFrontierFrames } from './positions.js';
import { readPolicy } from './policy.js';

/** The sequence types whose frames chain (a keyless check means something only for them). */
export type ReplicaType = Extract<SequenceType, 'Merkle' | 'Chain'>;

/** What continuing a sequence needs; the state of an empty sequence has index -1. */
export interface ReplicaState {
  /** Undefined until frame 0 is there. */
  readonly type?: ReplicaType;
  /** Index of the last frame; -1 for no frame. */
  readonly index: number;
  /** TreeDigest (Merkle) or ChainDigest (Chain) of the last frame; empty for no frame. */
  readonly apex: Uint8Array;
  /** Offset where the next frame starts: the length of the file. */
  readonly end: number;
  /** Merkle: TreeNode of each frame of treeFrontierFrames(index), newest first. Chain: empty. */
  readonly nodes: readonly Uint8Array[];
  /** Start offsets of those frames (what the next TreePosition names), same order. */
  readonly positions: readonly number[];
}

/** The state of a sequence without frames. */
export const EMPTY_REPLICA: ReplicaState = Object.freeze({ index: -1, apex: new Uint8Array(0), end: 0, nodes: [], positions: [] });

/** Frames checked against a state, and the state after them. */
export interface CheckedFrames {
  readonly from: ReplicaState;
  readonly frames: readonly Uint8Array[];
  readonly state: ReplicaState;
}

/** A reader of one frame's bytes as if they stood at `base` in the file. */
class PlacedReader implements RandomAccessReader {
  private readonly bytes: Uint8Array;
  private readonly base: number;
  constructor(bytes: Uint8Array, base: number) {
    this.bytes = bytes;
    this.base = base;
  }
  async size(): Promise<number> {
    return this.base + this.bytes.length;
  }
  async read(position: number, length: number): Promise<Uint8Array> {
    if (position < this.base) throw new DareError('MALFORMED', `a frame refers to offset ${position}, before itself`);
    return this.bytes.subarray(position - this.base, position - this.base + length);
  }
}

function fail(code: 'MALFORMED' | 'TRAILING_DATA' | 'SEQUENCE_ORDER' | 'DIGEST_MISMATCH' | 'MERKLE_MISMATCH' | 'UNSUPPORTED_ALGORITHM', index: number, what: string): never {
  throw new DareError(code, `frame ${index}: ${what}`);
}

/** The running state while frames are checked. */
class Cursor {
  type?: ReplicaType;
  index: number;
  apex: Uint8Array;
  end: number;
  frontier?: MerkleFrontier;
  chain?: Chain;
  /** Start offsets of the frames a later TreePosition can name. */
  positions = new Map<number, number>();

  constructor(s: ReplicaState) {
    this.type = s.type;
    this.index = s.index;
    this.apex = s.apex;
    this.end = s.end;
    if (s.type === 'Merkle') {
      this.frontier = MerkleFrontier.fromNodes(s.index + 1, s.nodes);
      treeFrontierFrames(s.index).forEach((f, i) => this.positions.set(f, s.positions[i] as number));
    } else if (s.type === 'Chain') this.chain = Chain.resume(s.apex);
  }

  state(): ReplicaState {
    const frames = this.type === 'Merkle' ? treeFrontierFrames(this.index) : [];
    return {
      type: this.type, index: this.index, apex: this.apex.slice(), end: this.end,
      nodes: this.frontier?.nodes() ?? [], positions: frames.map((f) => this.positions.get(f) as number),
    };
  }

  async check(bytes: Uint8Array): Promise<void> {
    const index = this.index + 1;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a frame must be a Uint8Array');
    let view: FrameView;
    try {
      view = await readFrameView(new PlacedReader(bytes, this.end), this.end);
    } catch (e) {
      if (e instanceof DareError) throw new DareError(e.code, `frame ${index}: ${e.message}`, { cause: e });
      throw e;
    }
    if (view.end !== this.end + bytes.length) fail('TRAILING_DATA', index, `${this.end + bytes.length - view.end} bytes after the end of the frame`);
    if (view.index !== index) fail('SEQUENCE_ORDER', index, `the frame says it is frame ${view.index}`);
    const info = view.header.sequenceInfo;
    if (index === 0) this.begin(view);
    else if (info?.containerType !== undefined) fail('MALFORMED', index, 'only frame 0 names the sequence type');
    if (this.type === 'Merkle') {
      const expected = index === 0 ? undefined : this.positions.get(previousFrame(index));
      if (info?.treePosition !== expected) fail('SEQUENCE_ORDER', index, `TreePosition ${info?.treePosition ?? 'absent'} should be ${expected ?? 'absent'}`);
    } else if (info?.treePosition !== undefined) fail('MALFORMED', index, `a ${this.type} sequence has no TreePosition`);
    const xp = info?.exchangePosition;
    if (xp !== undefined && xp >= this.end) fail('SEQUENCE_ORDER', index, 'ExchangePosition names a later frame');
    const t = view.trailer;
    if (t?.payloadDigest === undefined) fail('MALFORMED', index, 'no PayloadDigest in the trailer');
    const p = view.payload;
    const carried = p ? bytes.subarray(p.dataPosition - this.end, p.dataPosition - this.end + p.length) : new Uint8Array(0);
    if (!equalBytes(getBackend().hash('sha512', carried), t.payloadDigest)) fail('DIGEST_MISMATCH', index, 'PayloadDigest does not match the payload');
    const fd = frameDigest(view.headerRecord, t.payloadDigest);
    if (this.frontier) {
      const r = this.frontier.append(fd);
      if (!t.treeDigest || !equalBytes(r.treeDigest, t.treeDigest)) fail('MERKLE_MISMATCH', index, 'TreeDigest is not the one the frames before it give');
      if (!t.treeNode || !equalBytes(r.treeNode, t.treeNode)) fail('MERKLE_MISMATCH', index, 'TreeNode is not the one the frames before it give');
      this.apex = r.treeDigest;
      this.positions.set(index, this.end);
      if (this.positions.size > 128) {
        const keep = new Set(treeFrontierFrames(index));
        for (const k of this.positions.keys()) if (!keep.has(k)) this.positions.delete(k);
      }
    } else {
      const cd = (this.chain as Chain).append(fd);
      if (!t.chainDigest || !equalBytes(cd, t.chainDigest)) fail('MERKLE_MISMATCH', index, 'ChainDigest is not the one the frames before it give');
      this.apex = cd;
    }
    this.index = index;
    this.end = view.end;
  }

  /** Frame 0 names the type and the digest scheme. */
  private begin(view: FrameView): void {
    const type = view.header.sequenceInfo?.containerType;
    if (type !== 'Merkle' && type !== 'Chain') fail('UNSUPPORTED_ALGORITHM', 0, `a ${type ?? 'typeless'} sequence does not chain its frames: only Merkle and Chain sequences are replicated`);
    if (readPolicy(view.header.policy).digestScheme !== DIGEST_SCHEME) fail('UNSUPPORTED_ALGORITHM', 0, `the sequence does not use the digest scheme ${DIGEST_SCHEME}`);
    this.type = type;
    if (type === 'Merkle') this.frontier = new MerkleFrontier();
    else this.chain = new Chain();
  }
}

/**
 * Checks whole frames received as bytes against `state` (see the module comment) and returns
 * them with the state after them. DareError on the first bad frame: MALFORMED, TRUNCATED or
 * HEADER_MALFORMED (does not parse), TRAILING_DATA (bytes after the frame), SEQUENCE_ORDER (not the next index, a
 * wrong TreePosition), DIGEST_MISMATCH (PayloadDigest), MERKLE_MISMATCH (TreeDigest, TreeNode,
 * ChainDigest), UNSUPPORTED_ALGORITHM (frame 0 of a type or scheme that does not chain).
 */
export async function checkFrames(state: ReplicaState, frames: readonly Uint8Array[]): Promise<CheckedFrames> {
  if (!Array.isArray(frames)) throw new TypeError('"frames" expected an array');
  const c = new Cursor(state);
  for (const f of frames) await c.check(f);
  return { from: state, frames, state: c.state() };
}

/** The head (index and apex) of a sequence given as its whole list of frames, checked. */
export async function headOfFrames(frames: readonly Uint8Array[]): Promise<{ index: number; apex: Uint8Array }> {
  const { state } = await checkFrames(EMPTY_REPLICA, frames);
  return { index: state.index, apex: state.apex };
}

// The state as bytes (ContainerState.frontier of lib/mesh/store): a version byte, the type,
// index + 1 and end as 8-byte big-endian integers, the apex, then per frontier frame its
// position (8 bytes) and TreeNode (64 bytes).
const VERSION = 1;
const TYPES: readonly (ReplicaType | undefined)[] = [undefined, 'Merkle', 'Chain'];

function putU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, Math.floor(n / 0x1_0000_0000));
  v.setUint32(at + 4, n % 0x1_0000_0000);
}

function getU64(v: DataView, at: number): number {
  const n = v.getUint32(at) * 0x1_0000_0000 + v.getUint32(at + 4);
  if (!Number.isSafeInteger(n)) throw new DareError('MALFORMED', 'replica state: a number beyond 2^53');
  return n;
}

export function encodeReplicaState(s: ReplicaState): Uint8Array {
  const n = s.nodes.length;
  const out = new Uint8Array(19 + s.apex.length + n * (8 + DIGEST_LENGTH));
  const v = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = TYPES.indexOf(s.type);
  putU64(v, 2, s.index + 1);
  putU64(v, 10, s.end);
  out[18] = s.apex.length;
  out.set(s.apex, 19);
  let at = 19 + s.apex.length;
  for (let i = 0; i < n; i++) {
    putU64(v, at, s.positions[i] as number);
    out.set(s.nodes[i] as Uint8Array, at + 8);
    at += 8 + DIGEST_LENGTH;
  }
  return out;
}

/** The state {@link encodeReplicaState} wrote; MALFORMED for anything else. */
export function decodeReplicaState(b: Uint8Array): ReplicaState {
  const bad = (what: string): never => {
    throw new DareError('MALFORMED', `replica state: ${what}`);
  };
  if (!(b instanceof Uint8Array)) throw new TypeError('a replica state must be a Uint8Array');
  if (b.length < 19 || b[0] !== VERSION) bad('not a replica state of this version');
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const type = TYPES[b[1] as number];
  if (b[1] as number >= TYPES.length) bad('unknown sequence type');
  const index = getU64(v, 2) - 1;
  const end = getU64(v, 10);
  const apexLength = b[18] as number;
  if ((index < 0) !== (type === undefined) || (index < 0) !== (apexLength === 0) || (index >= 0 && apexLength !== DIGEST_LENGTH)) bad('index, type and apex disagree');
  if (index >= 0 && end <= index) bad('the frames cannot fit before the end offset');
  const count = type === 'Merkle' ? treeFrontierFrames(index).length : 0;
  if (b.length !== 19 + apexLength + count * (8 + DIGEST_LENGTH)) bad('wrong length for its frontier');
  const apex = b.slice(19, 19 + apexLength);
  const nodes: Uint8Array[] = [];
  const positions: number[] = [];
  for (let i = 0, at = 19 + apexLength; i < count; i++, at += 8 + DIGEST_LENGTH) {
    const p = getU64(v, at);
    if (p >= end || (i > 0 && p >= (positions[i - 1] as number))) bad('frontier positions out of order');
    positions.push(p);
    nodes.push(b.slice(at + 8, at + 8 + DIGEST_LENGTH));
  }
  const s: ReplicaState = { type, index, apex, end, nodes, positions };
  if (type === 'Merkle' && !equalBytes(MerkleFrontier.fromNodes(index + 1, nodes).root(), apex)) bad('the frontier does not give the apex');
  return s;
}
