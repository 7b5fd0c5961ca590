/**
 * Full verification of a sequence (draft-hallambaker-mesh-dare-12 §4.2; docs/FORMAT.md §8):
 * every frame's index and TreePosition, PayloadDigest and (with a key) MAC, the running
 * chain or the Merkle tree recomputed from the frame digests, and every signature. With
 * trusted signers, the last frame must carry a trusted signature over the apex, so
 * every frame is covered by it. Reads each payload once; writes nothing.
 *
 * A large Merkle sequence read from a file is split into consecutive ranges verified at
 * once on several threads (docs/FORMAT.md §8, "Parallel verification"). A range that
 * starts at frame a > 0 starts its tree from the TreeNodes stored in the frontier frames
 * of a - 1, and reports what it started from; the ranges are accepted only when each
 * one starts where the one before it ends (file offset), from the frontier nodes and
 * positions that range recomputed. So every value is recomputed from frame 0, as in
 * one pass, and stored values are never trusted.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes } from '../internal/bytes.js';
import type { SignatureCheck } from '../envelope/signatures.js';
import type { VerificationKey } from '../keys/types.js';
import { getBackend } from '../crypto/backend-select.js';
import { availableThreads, runTask } from '../platform/threads.js';
import { FileReader } from '../platform/file.js';
import { frameDigest } from './format.js';
import { APEX_PURPOSE } from '../crypto/purposes.js';
import { MerkleFrontier } from './merkle.js';
import { Chain } from './chain.js';
import { previousFrame, treeFrontierFrames } from './positions.js';
import { readFrameView } from './frames.js';
import { previousFrameStart } from '../encoding/jbcd.js';
import type { SequenceReader, SequenceReadOptions } from './reader.js';

export interface VerifyReport {
  readonly frames: number;
  readonly tornBytes: number;
  /** Frames whose payload was decrypted and MAC-checked. */
  readonly authenticated: number;
  /** Frames that are encrypted but no key opened them (digest checked only). */
  readonly unopened: number;
  /** Meta frames (sequence bookkeeping, not entries). */
  readonly metaFrames: number;
  /** True when chain/tree values were recomputed and matched (our digest scheme). */
  readonly structureChecked: boolean;
  readonly signatures: readonly (SignatureCheck & { frame: number })[];
  /** The apex after the last frame (Merkle sequences). */
  readonly apex?: Uint8Array;
  /** Index of the last frame carrying a valid signature, or -1. */
  readonly lastSigned: number;
  /** Threads the frames were verified on. */
  readonly threads: number;
}

export interface VerifyOptions {
  /** Called once per frame verified; with several threads, not in frame order. */
  onFrame?: (index: number, isMeta: boolean) => void;
  /**
   * Most threads to verify on (default: the cores available, at most 4). Only Merkle
   * sequences read from a file are split; 1 verifies on this thread only.
   */
  threads?: number;
  /** Fewest frames a thread gets (default 20,000: below that a thread's start-up costs more than it saves). */
  minFramesPerThread?: number;
  /**
   * Decrypt every payload a key opens (default true). false: check each opened frame's
   * digest and MAC over the ciphertext without decrypting it (what an extraction does
   * before it decrypts the files it writes).
   */
  decrypt?: boolean;
  /**
   * Frames that are not opened and whose payload is not read here: their stored
   * PayloadDigest enters the tree (so the tree check authenticates it with the header).
   * Only for a caller that opens those frames and checks their payloads and MACs itself
   * (an extraction of those files, through an index the apex covers).
   */
  payloadsCheckedLater?: readonly number[];
  /** How messages name frames: 'entry' for logs, whose entry n is frame n (default 'frame'). */
  unit?: 'frame' | 'entry';
}

/** What one range of frames verified to; the start and end state let ranges be joined. */
export interface RangeReport {
  readonly from: number;
  readonly to: number;
  /** File offset of frame `from`, and the end of frame `to`. */
  readonly startPosition: number;
  readonly endPosition: number;
  readonly frames: number;
  readonly authenticated: number;
  readonly unopened: number;
  readonly metaFrames: number;
  readonly signatures: (SignatureCheck & { frame: number })[];
  readonly lastSigned: number;
  /** Last frame with a trusted signature over a TreeDigest/ChainDigest recomputed here. */
  readonly lastCovered: number;
  readonly apex?: Uint8Array;
  /** Merkle frontier nodes and positions of treeFrontierFrames(from - 1) the range started from (from > 0). */
  readonly startNodes?: Uint8Array[];
  readonly startPositions?: number[];
  /** The same after frame `to`, as recomputed here. */
  readonly endNodes?: Uint8Array[];
  readonly endPositions?: number[];
}

/** Verifies frames from..to (inclusive) of `reader`; see {@link verifySequence}. */
/** How verifyRange treats payloads (VerifyOptions.decrypt and payloadsCheckedLater). */
export interface PayloadChecks {
  readonly decrypt: boolean;
  readonly later?: readonly number[];
}

export async function verifyRange(
  reader: SequenceReader, from: number, to: number, onFrame?: (index: number, isMeta: boolean) => void, checks: PayloadChecks = { decrypt: true },
): Promise<RangeReport> {
  const later = new Set(checks.later ?? []);
  const checkable = reader.checkable;
  const merkle = reader.type === 'Merkle' && checkable;
  let frontier: MerkleFrontier | undefined;
  const positions = new Map<number, number>();
  let startNodes: Uint8Array[] | undefined;
  let startPositions: number[] | undefined;
  if (merkle && from > 0) {
    // Start from the stored TreeNodes of the frontier frames; the caller checks them
    // against what the range before this one recomputed.
    const frames = treeFrontierFrames(from - 1);
    const views = [];
    for (const f of frames) views.push(await reader.frame(f));
    startNodes = views.map((v) => {
      if (!v.trailer?.treeNode) throw new DareError('MERKLE_MISMATCH', `frame ${v.index}: no tree node`);
      return v.trailer.treeNode;
    });
    startPositions = views.map((v) => v.position);
    for (const v of views) positions.set(v.index, v.position);
    frontier = MerkleFrontier.fromNodes(from, startNodes);
  } else if (merkle) {
    frontier = new MerkleFrontier();
  } else if (from > 0) {
    throw new RangeError('only Merkle sequences are verified in ranges');
  }
  const chain = reader.type === 'Chain' && checkable ? new Chain() : undefined;
  const signatures: (SignatureCheck & { frame: number })[] = [];
  let authenticated = 0;
  let unopened = 0;
  let metaFrames = 0;
  let count = 0;
  let lastSigned = -1;
  let lastCovered = -1;
  let apex: Uint8Array | undefined;
  let startPosition = -1;
  let endPosition = -1;
  for await (const view of reader.frames(from)) {
    if (startPosition < 0) startPosition = view.position;
    reader.checkPosition(view, positions, previousFrame);
    positions.set(view.index, view.position);
    // Keep only what a later TreePosition can name (the frontier frames, as the writer
    // does), so memory does not grow with the sequence.
    if (positions.size > 128) {
      const keep = new Set([view.index, ...treeFrontierFrames(view.index)]);
      for (const k of positions.keys()) if (!keep.has(k)) positions.delete(k);
    }
    const out: { digest?: Uint8Array } = {};
    if (later.has(view.index)) {
      // Opened, its MAC and its payload checked by the caller: the stored digest goes into the tree.
      const stored = view.trailer?.payloadDigest;
      if (!stored) throw new DareError('HEADER_MALFORMED', `frame ${view.index} carries no PayloadDigest`);
      out.digest = stored;
    } else {
      const opened = await reader.open(view);
      for await (const _ of reader.payload(opened, out, { decrypt: checks.decrypt })) {
        // Every byte is hashed (and decrypted) by payload(); the checks run at its end.
      }
      if (opened.keys) authenticated++;
      else if (opened.encrypted) unopened++;
    }
    const fd = frameDigest(view.headerRecord, out.digest as Uint8Array);
    const t = view.trailer;
    let recomputed: Uint8Array | undefined;
    if (chain) {
      const cd = chain.append(fd);
      recomputed = cd;
      if (!t?.chainDigest || !equalBytes(cd, t.chainDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: chain digest does not match`);
    }
    if (frontier) {
      const r = frontier.append(fd);
      if (!t?.treeDigest || !equalBytes(r.treeDigest, t.treeDigest)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree digest does not match`);
      if (!t.treeNode || !equalBytes(r.treeNode, t.treeNode)) throw new DareError('MERKLE_MISMATCH', `frame ${view.index}: tree node does not match`);
      apex = r.treeDigest;
      recomputed = r.treeDigest;
    }
    // TreeNode is this project's field (§8): a frame that has one while frame 0 names no digest
    // scheme means frame 0 was changed to switch the tree check off.
    if (!checkable && t?.treeNode) throw new DareError('MERKLE_MISMATCH', `frame ${view.index} carries a TreeNode but frame 0 names no digest scheme (frame 0 damaged?)`);
    const sigs = reader.signaturesOf(view);
    // A signature covers the frames only when it signs the chain or tree value recomputed
    // above; one over a PayloadDigest (List, Digest, Tree) or over a TreeDigest/ChainDigest
    // that is not recomputed (no DigestScheme in frame 0) authenticates one value, not them.
    const signed = t?.treeDigest ?? t?.chainDigest ?? t?.payloadDigest;
    const covers = recomputed !== undefined && signed !== undefined && equalBytes(recomputed, signed);
    for (const s of sigs) {
      if (s.status === 'invalid') {
        const expected = reader.options.purpose ?? APEX_PURPOSE;
        const made = s.purpose !== undefined && s.purpose !== expected ? ` (it was made for ${s.purpose}, not ${expected})` : '';
        throw new DareError('SIGNATURE_INVALID', `frame ${view.index}: signature by ${s.kid ?? 'an unnamed key'} does not verify${made}`);
      }
      signatures.push({ ...s, frame: view.index });
      if (s.status === 'valid') lastSigned = view.index;
      if (reader.isTrusted(s) && covers) lastCovered = view.index;
    }
    count++;
    if (view.isMeta) metaFrames++;
    onFrame?.(view.index, view.isMeta);
    endPosition = view.end;
    // At the sequence's last frame the loop ends by itself, after frames() has checked
    // that it is the tail found from the end.
    if (view.index >= to && view.index < reader.last.index) break;
  }
  const end = from + count - 1;
  return {
    from, to: end, startPosition, endPosition, frames: count, authenticated, unopened, metaFrames, signatures, lastSigned, lastCovered, apex,
    startNodes, startPositions,
    endNodes: frontier?.nodes(),
    endPositions: frontier ? treeFrontierFrames(end).map((f) => positions.get(f) ?? -1) : undefined,
  };
}

const sameList = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined, eq: (x: T, y: T) => boolean): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => eq(x, b[i] as T));

/** Joins consecutive range reports; MERKLE_MISMATCH or SEQUENCE_ORDER when one does not start where the one before ends. */
function joinRanges(ranges: readonly RangeReport[]): RangeReport {
  let acc = ranges[0] as RangeReport;
  for (const r of ranges.slice(1)) {
    if (r.from !== acc.to + 1 || r.startPosition !== acc.endPosition) {
      throw new DareError('SEQUENCE_ORDER', `frame ${r.from} found by its TreePosition links is not the frame that follows frame ${acc.to} (offset ${r.startPosition}, expected ${acc.endPosition})`);
    }
    if (!sameList(r.startNodes, acc.endNodes, equalBytes) || !sameList(r.startPositions, acc.endPositions, (x, y) => x === y)) {
      throw new DareError('MERKLE_MISMATCH', `the tree nodes stored in the frontier frames of frame ${acc.to} are not the ones recomputed from the frames`);
    }
    acc = {
      ...r,
      from: acc.from, startPosition: acc.startPosition, startNodes: acc.startNodes, startPositions: acc.startPositions,
      frames: acc.frames + r.frames, authenticated: acc.authenticated + r.authenticated, unopened: acc.unopened + r.unopened,
      metaFrames: acc.metaFrames + r.metaFrames, signatures: [...acc.signatures, ...r.signatures],
      lastSigned: Math.max(acc.lastSigned, r.lastSigned), lastCovered: Math.max(acc.lastCovered, r.lastCovered),
    };
  }
  return acc;
}

/** The entry of a verification thread: beside this module in dist/lib, beside the CLI in its bundle. */
const WORKER = new URL('./verify-worker.js', import.meta.url);

/** What a verification thread is given (verify-worker.ts). */
export interface VerifyWork {
  readonly path: string;
  readonly options: SequenceReadOptions;
  readonly backend: 'node' | 'noble';
  readonly from: number;
  readonly to: number;
  readonly checks: PayloadChecks;
}

/** A thread's progress: frames from..to verified, which of them meta frames. */
export interface RangeProgress {
  readonly from: number;
  readonly to: number;
  readonly meta: readonly number[];
}

/** Verifies work.from..work.to of the file on a thread of its own. */
function verifyOnThread(work: VerifyWork, onFrame?: (index: number, isMeta: boolean) => void): Promise<RangeReport> {
  return runTask<VerifyWork, RangeReport, RangeProgress>(WORKER, 'verification', work, (p) => {
    const meta = new Set(p.meta);
    for (let i = p.from; i <= p.to; i++) onFrame?.(i, meta.has(i));
  });
}

/** How many threads to verify `reader` on. */
function threadsFor(reader: SequenceReader, options: VerifyOptions): number {
  const frames = reader.last.index + 1;
  const backend = getBackend().name;
  if (reader.type !== 'Merkle' || !reader.checkable || !(reader.source instanceof FileReader)) return 1;
  if (backend !== 'node' && backend !== 'noble') return 1;
  const most = Math.max(1, Math.floor(options.threads ?? Math.min(4, availableThreads(WORKER))));
  const min = Math.max(2, options.minFramesPerThread ?? 20_000);
  return Math.max(1, Math.min(most, Math.floor(frames / min)));
}

export async function verifySequence(reader: SequenceReader, options: VerifyOptions = {}): Promise<VerifyReport> {
  const last = reader.last.index;
  const threads = threadsFor(reader, options);
  const checks: PayloadChecks = { decrypt: options.decrypt !== false, later: options.payloadsCheckedLater };
  let report: RangeReport;
  if (threads <= 1) {
    report = await verifyRange(reader, 0, last, options.onFrame, checks);
  } else {
    // Range 0 here, the others on worker threads, all at once.
    const size = Math.ceil((last + 1) / threads);
    const bounds = Array.from({ length: threads }, (_, i) => [i * size, Math.min(last, (i + 1) * size - 1)] as const);
    const path = (reader.source as FileReader).path;
    const settled = await Promise.allSettled(bounds.map(([from, to], i) => i === 0
      ? verifyRange(reader, from, to, options.onFrame, checks)
      : verifyOnThread({ path, options: reader.options, backend: getBackend().name as 'node' | 'noble', from, to, checks }, options.onFrame)));
    // The first failing range, in frame order, is the error a single pass would have met first.
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    report = joinRanges(settled.map((s) => (s as PromiseFulfilledResult<RangeReport>).value));
    if (report.to !== last || report.endPosition !== reader.last.end) {
      throw new DareError('SEQUENCE_ORDER', `frame ${report.to} at the end of the ranges is not the sequence's last frame ${last}`);
    }
  }
  const { signatures, lastSigned, lastCovered } = report;
  if ((reader.options.trustedSigners?.length ?? 0) > 0) {
    const onLast = signatures.filter((s) => s.frame === last);
    if (!onLast.some((s) => reader.isTrusted(s))) {
      const trusted = signatures.filter((s) => reader.isTrusted(s)).map((s) => s.frame);
      const lastTrusted = trusted.length ? Math.max(...trusted) : -1;
      throw new DareError('SIGNATURE_INVALID', untrustedTailMessage({
        last, lastTrusted, unit: options.unit, tornBytes: reader.tornBytes,
        otherSigned: signatures.find((s) => s.frame > lastTrusted && s.status === 'valid')?.frame,
        otherSigner: signatures.find((s) => s.frame > lastTrusted && s.status === 'valid')?.kid,
        legacyOnLast: onLast.find((s) => s.status === 'valid' && s.trusted && s.legacy)?.kid,
      }));
    }
    if (lastCovered !== last) {
      throw new DareError('SIGNATURE_INVALID', `the trusted signature on the last frame (${last}) does not cover the sequence: it signs no chain or tree value recomputed from the frames (${reader.type} sequence${reader.checkable ? '' : ', no DigestScheme in frame 0'})`);
    }
  }
  const checkable = reader.checkable && (reader.type === 'Merkle' || reader.type === 'Chain');
  return {
    frames: report.frames, tornBytes: reader.tornBytes, authenticated: report.authenticated, unopened: report.unopened,
    metaFrames: report.metaFrames, structureChecked: checkable, signatures, apex: report.apex, lastSigned, threads,
  };
}

/** What is wrong with the end of a sequence that a trusted key did not sign (untrustedTailMessage). */
export interface UntrustedTail {
  /** Index of the last frame. */
  readonly last: number;
  /** Index of the last frame with an accepted trusted signature, or -1. */
  readonly lastTrusted: number;
  /** A frame after lastTrusted with a valid signature by another key, if any. */
  readonly otherSigned?: number;
  /** The key id of that other signature (named in the message). */
  readonly otherSigner?: string;
  /** The trusted key whose legacy signature (not accepted) is on the last frame. */
  readonly legacyOnLast?: string;
  readonly unit?: 'frame' | 'entry';
  /** Bytes of a torn append after the last frame. */
  readonly tornBytes?: number;
}

/**
 * One line that says what happened at the end of a sequence a trusted key did not sign:
 * "frames 7-8 after the last signature (frame 6): unsigned" (the usual leftover of a
 * session that died before it signed, or frames someone appended without the key), or
 * that they are signed by another key, or that the last signature is a legacy one. The
 * same words in verify, log verify and extract.
 */
export function untrustedTailMessage(t: UntrustedTail): string {
  const unit = t.unit ?? 'frame';
  const units = unit === 'entry' ? 'entries' : 'frames';
  const torn = t.tornBytes ? `, then ${t.tornBytes} bytes of a torn append` : '';
  if (t.legacyOnLast !== undefined) {
    return `the last ${unit} (${t.last}) is signed by ${t.legacyOnLast} with a legacy signature (no purpose: it may have been made for something else, such as an envelope), which is not accepted (--allow-legacy-signatures accepts it)${torn}`;
  }
  if (t.lastTrusted < 0) {
    if (t.otherSigned === undefined) return `the sequence is not signed by a trusted key: no ${unit} carries a signature${torn}`;
    return t.otherSigned === t.last
      ? `the last ${unit} (${t.last}) is not signed by a trusted key (it is signed by ${t.otherSigner ?? 'another key'})${torn}`
      : `the sequence is not signed by a trusted key (${unit} ${t.otherSigned} is signed by ${t.otherSigner ?? 'another key'})${torn}`;
  }
  const from = t.lastTrusted + 1;
  const range = from === t.last ? `${unit} ${from}` : `${units} ${from}-${t.last}`;
  if (t.otherSigned === undefined) return `${range} after the last signature (${unit} ${t.lastTrusted}): unsigned${torn}`;
  return `${range} after the last trusted signature (${unit} ${t.lastTrusted}): not signed by a trusted key (${unit} ${t.otherSigned} is signed by ${t.otherSigner ?? 'another key'})${torn}`;
}

/**
 * The last frame, walking back from the end, that carries a signature the reader trusts
 * (-1 when none does), and the last frame after it signed by another key: what
 * {@link untrustedTailMessage} needs when only the end of a sequence was read. Reads the
 * frames after that signature (the error path of a reader that authenticates through
 * the last frame).
 */
export async function findLastTrusted(reader: SequenceReader, trusted: readonly VerificationKey[] = reader.options.trustedSigners ?? []): Promise<{ lastTrusted: number; otherSigned?: number; otherSigner?: string }> {
  let otherSigned: number | undefined;
  let otherSigner: string | undefined;
  for (let v = reader.last; ;) {
    let sigs: SignatureCheck[] = [];
    try {
      sigs = reader.signaturesOf(v, trusted);
    } catch (e) {
      if (!(e instanceof DareError)) throw e;
    }
    if (sigs.some((s) => reader.isTrusted(s))) return { lastTrusted: v.index, otherSigned, otherSigner };
    if (otherSigned === undefined && sigs.some((s) => s.status === 'valid')) {
      otherSigned = v.index;
      otherSigner = sigs.find((s) => s.status === 'valid')?.kid;
    }
    if (v.index === 0) return { lastTrusted: -1, otherSigned, otherSigner };
    const prev = v.index === 1 ? reader.first : await readFrameView(reader.source, await previousFrameStart(reader.source, v.position));
    if (prev.index !== v.index - 1) throw new DareError('SEQUENCE_ORDER', `the frame before frame ${v.index} has index ${prev.index}`);
    v = prev;
  }
}
