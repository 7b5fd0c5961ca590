/**
 * Checkpoints of Merkle sequences (docs/FORMAT.md §8, "Checkpoints"; issue 12 finding 5): a
 * small file that records a signed apex and the size of its tree, so that a later copy of the
 * sequence can be checked to extend it. A signature says who made a state, never that it is
 * the latest: a file cut back to an earlier signed state verifies as signed. Whoever kept a
 * checkpoint detects that: the file must extend the checkpoint's tree, by an RFC 9162 §2.1.4
 * consistency proof built from the file's stored TreeNodes (O(log² n) frame reads).
 *
 * A checkpoint carries the signatures of the apex frame as they are in the file (no new
 * signature), and the apex frame's leaf with its audit path: the header's SequenceInfo.Index
 * binds the tree size (an audit path alone does not; merkle.ts). It is checked without keys.
 * @module
 */
import { DareError } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { decodeJson, encodeJson } from '../encoding/json.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';
import { previousFrameStart } from '../encoding/jbcd.js';
import { fromUtf8 } from '../internal/bytes.js';
import { parseHeader, parseTrailer, trailerValue, type SignatureEntry } from '../envelope/schema.js';
import { checkApexSignatures, isTrustedCheck, type SignatureCheck } from '../envelope/signatures.js';
import type { VerificationKey } from '../keys/types.js';
import { frameDigest } from './format.js';
import { readFrameView, type FrameView } from './frames.js';
import { FrameLocator } from './locator.js';
import { assertInclusion, verifyConsistency, DIGEST_LENGTH } from './merkle.js';
import type { SequenceReader } from './reader.js';

/** A recorded state of a sequence. */
export interface Checkpoint {
  /** Frames in the tree: the apex frame is frame treeSize - 1. */
  readonly treeSize: number;
  /** TreeDigest of the apex frame (MTH of frames 0 .. treeSize - 1). */
  readonly apex: Uint8Array;
  /** The apex frame's header record and PayloadDigest, and its audit path to the apex. */
  readonly apexLeaf: { readonly headerRecord: Uint8Array; readonly payloadDigest: Uint8Array };
  readonly apexPath: readonly Uint8Array[];
  /** The apex frame's trailer signatures over the apex, as in the file. */
  readonly signatures: readonly SignatureEntry[];
}

/** Limits of a checkpoint file (docs/LIMITS.md). */
export const MAX_CHECKPOINT_BYTES = 4 << 20;
const MAX_PATH = 64;
const MAX_SIGNATURES = 16;
const MAX_HEADER_BYTES = 1 << 20;

function valid(view: FrameView, trusted: readonly VerificationKey[]): boolean {
  const apex = view.trailer?.treeDigest;
  const sigs = view.trailer?.signatures ?? [];
  if (!apex || !sigs.length) return false;
  // Legacy signatures (no purpose) do not count: they may have been made for something else.
  return checkApexSignatures(sigs, { size: view.index + 1, digest: apex }, trusted).some((s) => s.status === 'valid' && !s.legacy && (trusted.length === 0 || s.trusted));
}

/**
 * The checkpoint of `reader`'s latest signed state: the last frame whose trailer carries a
 * valid signature over its TreeDigest (by one of `trustedSigners` when given), or the last
 * frame with `allowUnsigned` when none is. The caller has verified the sequence (the stored
 * TreeNodes and TreeDigests are the recomputed ones); the checkpoint is checked before it is
 * returned. SIGNATURE_INVALID when no frame qualifies.
 */
export async function makeCheckpoint(reader: SequenceReader, options: { trustedSigners?: readonly VerificationKey[]; allowUnsigned?: boolean } = {}): Promise<Checkpoint> {
  if (reader.type !== 'Merkle' || !reader.checkable) throw new DareError('UNSUPPORTED_ALGORITHM', 'only Merkle sequences written by this implementation have checkpoints');
  const trusted = options.trustedSigners ?? [];
  const r = reader.source;
  let apexView: FrameView | undefined;
  for (let v: FrameView = reader.last; ;) {
    if (valid(v, trusted)) {
      apexView = v;
      break;
    }
    if (v.index === 0) break;
    v = v.index === 1 ? reader.first : await readFrameView(r, await previousFrameStart(r, v.position));
  }
  if (!apexView) {
    if (!options.allowUnsigned) throw new DareError('SIGNATURE_INVALID', trusted.length ? 'no frame is signed by a trusted key' : 'no frame carries a signature over its apex');
    apexView = reader.last;
  }
  const apex = apexView.trailer?.treeDigest;
  if (!apex || apex.length !== DIGEST_LENGTH) throw new DareError('HEADER_MALFORMED', `frame ${apexView.index} has no TreeDigest`);
  const size = apexView.index + 1;
  const locate = new FrameLocator(r, reader.last, reader.first, apexView);
  const cp: Checkpoint = {
    treeSize: size, apex, apexLeaf: await locate.leaf(size - 1), apexPath: await locate.auditPath(size - 1, size),
    signatures: apexView.trailer?.signatures ?? [],
  };
  checkCheckpoint(cp);
  return cp;
}

/** What a checkpoint that holds says. */
export interface CheckpointCheck {
  readonly treeSize: number;
  readonly apex: Uint8Array;
  readonly signatures: readonly SignatureCheck[];
  /** True when a trusted signer signed the apex. */
  readonly trusted: boolean;
}

/**
 * Checks a checkpoint by itself: the apex leaf is frame treeSize - 1 and its audit path gives
 * the apex, and every signature over the apex verifies (with `trustedSigners`, one of them
 * must be among them). MERKLE_MISMATCH or SIGNATURE_INVALID otherwise.
 */
export function checkCheckpoint(cp: Checkpoint, trustedSigners: readonly VerificationKey[] = []): CheckpointCheck {
  let header;
  try {
    header = parseHeader(decodeJsonB(cp.apexLeaf.headerRecord), 'checkpoint apex frame header');
  } catch (e) {
    if (e instanceof DareError) throw new DareError('HEADER_MALFORMED', `checkpoint: ${e.message}`, { cause: e });
    throw e;
  }
  if (header.sequenceInfo?.index !== cp.treeSize - 1) {
    throw new DareError('MERKLE_MISMATCH', `checkpoint: the apex frame is frame ${header.sequenceInfo?.index ?? '?'}, not frame ${cp.treeSize - 1} of a tree of ${cp.treeSize}`);
  }
  assertInclusion(frameDigest(cp.apexLeaf.headerRecord, cp.apexLeaf.payloadDigest), cp.treeSize - 1, cp.treeSize, cp.apexPath, cp.apex);
  // The apex statement names the tree size too (dare/apex/v1): a signature binds it as well.
  const checks = checkApexSignatures(cp.signatures, { size: cp.treeSize, digest: cp.apex }, trustedSigners);
  const bad = checks.find((c) => c.status === 'invalid');
  if (bad) throw new DareError('SIGNATURE_INVALID', `checkpoint: the signature by ${bad.kid ?? 'an unnamed key'} over the apex does not verify`);
  const trusted = checks.some((c) => isTrustedCheck(c, false));
  if (trustedSigners.length > 0 && !trusted) throw new DareError('SIGNATURE_INVALID', checks.length ? 'checkpoint: the apex is not signed by a trusted key' : 'checkpoint: the apex is not signed');
  return { treeSize: cp.treeSize, apex: cp.apex, signatures: checks, trusted };
}

/** How a sequence relates to a checkpoint it extends. */
export interface Extension {
  /** Frames in the sequence's tree now, and in the checkpoint's. */
  readonly treeSize: number;
  readonly since: number;
}

/**
 * Checks that `reader`'s sequence extends the checkpoint: its tree has at least as many
 * frames, and an RFC 9162 consistency proof from its stored TreeNodes joins the checkpoint's
 * apex to its own last TreeDigest. The caller has verified the sequence (so its stored nodes
 * and last TreeDigest are the recomputed ones). MERKLE_MISMATCH when it does not: the file
 * was cut back (rolled back) or replaced.
 */
export async function checkExtends(reader: SequenceReader, cp: Checkpoint): Promise<Extension> {
  const last = reader.last;
  const size = last.index + 1;
  if (size < cp.treeSize) {
    throw new DareError('MERKLE_MISMATCH', `the file has ${size} frames, fewer than the ${cp.treeSize} of the checkpoint: it was cut back to an earlier state (rolled back) or replaced`);
  }
  const apex = last.trailer?.treeDigest;
  if (!apex || apex.length !== DIGEST_LENGTH) throw new DareError('HEADER_MALFORMED', `frame ${last.index} has no TreeDigest`);
  const path = size === cp.treeSize ? [] : await new FrameLocator(reader.source, last, reader.first).consistencyPath(cp.treeSize, size);
  if (!verifyConsistency(cp.treeSize, size, cp.apex, apex, path)) {
    throw new DareError('MERKLE_MISMATCH', `the file does not extend the checkpoint: its first ${cp.treeSize} frames are not the ones the checkpoint recorded (rolled back and rewritten, or replaced)`);
  }
  return { treeSize: size, since: cp.treeSize };
}

/* ---- The checkpoint file: JSON text, binary values in base64url (docs/FORMAT.md §8). ---- */

const TAG = 'DareCheckpoint';
const VERSION = 1;
const FIELDS = new Set(['Version', 'Digest', 'TreeSize', 'Apex', 'ApexLeaf', 'ApexPath', 'Signatures']);
const LEAF_FIELDS = new Set(['Header', 'PayloadDigest']);

/** Binary fields of a signature entry as base64url strings. */
function b64Values(v: JsonValue): JsonValue {
  if (v instanceof Uint8Array) return base64urlEncode(v);
  if (Array.isArray(v)) return v.map(b64Values);
  if (isJsonObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, b64Values(x)]));
  return v;
}

/** The checkpoint file text (pretty-printed JSON, one trailing line feed). */
export function encodeCheckpoint(cp: Checkpoint): string {
  const signatures = trailerValue({ signatures: [...cp.signatures] }).signatures as JsonValue[] | undefined;
  const o: JsonObject = {
    [TAG]: {
      Version: VERSION,
      Digest: 'S512',
      TreeSize: cp.treeSize,
      Apex: base64urlEncode(cp.apex),
      ApexLeaf: { Header: base64urlEncode(cp.apexLeaf.headerRecord), PayloadDigest: base64urlEncode(cp.apexLeaf.payloadDigest) },
      ApexPath: cp.apexPath.map(base64urlEncode),
      Signatures: (signatures ?? []).map(b64Values),
    },
  };
  return encodeJson(o, { indent: 2 }) + '\n';
}

function bad(what: string): never {
  throw new DareError('MALFORMED', `checkpoint: ${what}`);
}

function field(o: JsonObject, k: string): JsonValue {
  const v = o[k];
  if (v === undefined || v === null) bad(`missing ${k}`);
  return v;
}

function b64(v: JsonValue, what: string, len?: number): Uint8Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]*$/.test(v)) bad(`${what} must be a base64url string`);
  if (v.length > Math.ceil((MAX_HEADER_BYTES * 4) / 3)) throw new DareError('LIMIT_EXCEEDED', `checkpoint: ${what} is longer than ${MAX_HEADER_BYTES} bytes`);
  const b = base64urlDecode(v);
  if (len !== undefined && b.length !== len) bad(`${what} must be ${len} bytes, got ${b.length}`);
  return b;
}

/**
 * Parses a checkpoint file strictly: JSON text of at most {@link MAX_CHECKPOINT_BYTES}, only
 * these fields, canonical base64url, 64-byte digests, at most 64 path nodes and 16
 * signatures. MALFORMED or LIMIT_EXCEEDED otherwise.
 */
export function parseCheckpoint(input: string | Uint8Array): Checkpoint {
  if (input.length > MAX_CHECKPOINT_BYTES) throw new DareError('LIMIT_EXCEEDED', `checkpoint: larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  let root: JsonValue;
  try {
    root = decodeJson(typeof input === 'string' ? input : fromUtf8(input), { strict: true, maxDepth: 12 });
  } catch (e) {
    if (e instanceof DareError) throw new DareError(e.code === 'LIMIT_EXCEEDED' ? e.code : 'MALFORMED', `checkpoint: ${e.message}`, { cause: e });
    throw new DareError('MALFORMED', 'checkpoint: not JSON text', { cause: e });
  }
  if (!isJsonObject(root) || Object.keys(root).length !== 1 || !isJsonObject(root[TAG])) bad(`expected an object {"${TAG}": {...}}`);
  const o = root[TAG];
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) bad(`unknown field ${JSON.stringify(k)}`);
  if (field(o, 'Version') !== VERSION) bad(`unsupported Version (this reader knows ${VERSION})`);
  if (field(o, 'Digest') !== 'S512') bad('unsupported Digest (this reader knows S512)');
  const treeSize = field(o, 'TreeSize');
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 1) bad('TreeSize must be a positive integer');
  const leaf = field(o, 'ApexLeaf');
  if (!isJsonObject(leaf)) bad('ApexLeaf must be an object');
  for (const k of Object.keys(leaf)) if (!LEAF_FIELDS.has(k)) bad(`ApexLeaf: unknown field ${JSON.stringify(k)}`);
  const path = field(o, 'ApexPath');
  if (!Array.isArray(path)) bad('ApexPath must be a list');
  if (path.length > MAX_PATH) throw new DareError('LIMIT_EXCEEDED', `checkpoint: ApexPath has more than ${MAX_PATH} nodes`);
  const sigs = o.Signatures ?? [];
  if (!Array.isArray(sigs)) bad('Signatures must be a list');
  if (sigs.length > MAX_SIGNATURES) throw new DareError('LIMIT_EXCEEDED', `checkpoint: more than ${MAX_SIGNATURES} signatures`);
  let signatures: SignatureEntry[];
  try {
    signatures = parseTrailer({ signatures: sigs }, 'checkpoint').signatures ?? [];
  } catch (e) {
    if (e instanceof DareError) throw new DareError('MALFORMED', e.message, { cause: e });
    throw e;
  }
  return {
    treeSize,
    apex: b64(field(o, 'Apex'), 'Apex', DIGEST_LENGTH),
    apexLeaf: { headerRecord: b64(field(leaf, 'Header'), 'ApexLeaf.Header'), payloadDigest: b64(field(leaf, 'PayloadDigest'), 'ApexLeaf.PayloadDigest', DIGEST_LENGTH) },
    apexPath: path.map((x, i) => b64(x, `ApexPath[${i}]`, DIGEST_LENGTH)),
    signatures,
  };
}
