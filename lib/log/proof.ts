/**
 * Inclusion proofs for DARE log entries (docs/FORMAT.md §10): a self-contained file a
 * checker verifies without the log, its keys or any other entry.
 *
 * A proof carries the leaf's frame digest ingredients (header record bytes and
 * PayloadDigest, so FD = SHA-512(SHA-512(header) || PayloadDigest), sequence/format.ts),
 * its RFC 9162 audit path to the apex (TreeDigest of the apex frame), the same for the
 * apex frame itself, and the signatures over the apex. The index is bound by the leaf
 * header's SequenceInfo.Index and the tree size by the apex header's Index (size =
 * Index + 1, the apex frame is the tree's last leaf), because an audit path alone binds
 * neither (merkle.ts). Proving reads O(log² n) frames: audit path nodes are TreeNode
 * values of the frames that hold them, not recomputed from the leaves.
 * @module
 */
import { DareError } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { decodeJson, encodeJson } from '../encoding/json.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';
import { previousFrameStart } from '../encoding/jbcd.js';
import { equalBytes, fromUtf8 } from '../internal/bytes.js';
import { decodeContentMeta } from '../envelope/content-meta.js';
import { parseHeader, parseTrailer, trailerValue, type DareHeader, type SignatureEntry } from '../envelope/schema.js';
import { checkApexSignatures, isTrustedCheck, type SignatureCheck } from '../envelope/signatures.js';
import type { VerificationKey } from '../keys/types.js';
import { frameDigest } from '../sequence/format.js';
import { readFrameView, type FrameView } from '../sequence/frames.js';
import { assertInclusion, verifyInclusion, DIGEST_LENGTH } from '../sequence/merkle.js';
import { FrameLocator } from '../sequence/locator.js';
import { checkEntryNumber } from './format.js';
import { LogReader } from './reader.js';

/** The frame digest ingredients of one leaf. */
export interface ProofLeaf {
  /** The frame's header record bytes as stored (JSON-B). */
  readonly headerRecord: Uint8Array;
  /** Its PayloadDigest (SHA-512 of the payload as carried: ciphertext when encrypted). */
  readonly payloadDigest: Uint8Array;
}

export interface InclusionProof {
  /** Entry number = leaf index = frame index. */
  readonly index: number;
  /** Leaves of the tree the apex is the root of (apex frame index + 1). */
  readonly treeSize: number;
  readonly leaf: ProofLeaf;
  /** Audit path of the leaf, its sibling first (RFC 9162 §2.1.3). */
  readonly path: readonly Uint8Array[];
  /** TreeDigest of the apex frame: MTH of frames 0 .. treeSize - 1. */
  readonly apex: Uint8Array;
  /** The apex frame, leaf treeSize - 1, and its audit path. */
  readonly apexLeaf: ProofLeaf;
  readonly apexPath: readonly Uint8Array[];
  /** The apex frame's signatures over the apex (with the signers' public keys). */
  readonly signatures: readonly SignatureEntry[];
}

export interface ProveOptions {
  /** For a signed log: prove against the latest apex even if no signature covers entry n yet. */
  allowUnsigned?: boolean;
}

/** Limits of a proof file (docs/LIMITS.md): a tree of 2^53 leaves has paths of at most 53 nodes. */
export const MAX_PROOF_BYTES = 4 << 20;
export const MAX_PROOF_PATH = 64;
export const MAX_PROOF_SIGNATURES = 16;
export const MAX_PROOF_HEADER_BYTES = 1 << 20;

function isSigned(v: FrameView): boolean {
  return (v.trailer?.signatures?.length ?? 0) > 0;
}

/**
 * The apex a proof of entry `n` is made against: the last frame (≥ n) whose trailer
 * signs its TreeDigest with a valid signature, or the last frame when the log names no
 * signers (or `allowUnsigned`). Walks back from the last frame, one frame at a time:
 * a signed log's last frame is normally signed.
 */
async function findApex(log: LogReader, n: number, allowUnsigned: boolean): Promise<FrameView> {
  const last = log.sequence.last;
  if (log.policy.signKeys.length === 0) return last;
  const r = log.sequence.source;
  for (let v = last; v.index >= n;) {
    if (isSigned(v)) {
      const td = v.trailer?.treeDigest;
      if (!td) throw new DareError('SIGNATURE_INVALID', `frame ${v.index} is signed but carries no TreeDigest`);
      const checks = checkApexSignatures(v.trailer?.signatures ?? [], { size: v.index + 1, digest: td }, []);
      if (checks.some((c) => c.status === 'invalid')) throw new DareError('SIGNATURE_INVALID', `frame ${v.index}: a signature over the apex does not verify`);
      if (checks.some((c) => c.status === 'valid')) return v;
    }
    if (v.index === n) break;
    v = await readFrameView(r, await previousFrameStart(r, v.position));
  }
  if (allowUnsigned) return last;
  throw new DareError('SIGNATURE_INVALID', `entry ${n} is not covered by a signature yet: append with the signing key to sign the apex`);
}

/**
 * An inclusion proof of entry `n` of the log at `path` against its latest signed apex
 * (or latest apex when the log is unsigned). The entry's payload is read and checked
 * against its PayloadDigest, and the proof is checked before it is returned, so a
 * damaged log gives DIGEST_MISMATCH/MERKLE_MISMATCH here rather than a bad proof.
 * No key is needed: encrypted entries are proven by the digest of their ciphertext.
 */
export async function proveInclusion(path: string, n: number, options: ProveOptions = {}): Promise<InclusionProof> {
  checkEntryNumber(n);
  const log = await LogReader.open(path);
  try {
    if (n > log.lastEntry) throw new DareError('NOT_FOUND', `no entry ${n}: the log ends at entry ${log.lastEntry}`);
    const apexView = await findApex(log, n, options.allowUnsigned === true);
    const apex = apexView.trailer?.treeDigest;
    if (!apex || apex.length !== DIGEST_LENGTH) throw new DareError('HEADER_MALFORMED', `frame ${apexView.index} has no TreeDigest`);
    const frames = new FrameLocator(log.sequence.source, log.sequence.last, log.sequence.first, apexView);
    const view = await frames.get(n);
    if (view.isMeta) throw new DareError('NOT_FOUND', `no entry ${n}: frame ${n} is a meta frame`);
    // The payload as carried must match the PayloadDigest the proof will state.
    for await (const _ of log.sequence.payload(await log.sequence.open(view))) {
      // payload() hashes every byte and compares at the end.
    }
    const size = apexView.index + 1;
    const proof: InclusionProof = {
      index: n,
      treeSize: size,
      leaf: await frames.leaf(n),
      path: await frames.auditPath(n, size),
      apex,
      apexLeaf: await frames.leaf(size - 1),
      apexPath: await frames.auditPath(size - 1, size),
      signatures: apexView.trailer?.signatures ?? [],
    };
    const fd = (l: ProofLeaf) => frameDigest(l.headerRecord, l.payloadDigest);
    if (!verifyInclusion(fd(proof.leaf), n, size, proof.path, apex) || !verifyInclusion(fd(proof.apexLeaf), size - 1, size, proof.apexPath, apex)) {
      throw new DareError('MERKLE_MISMATCH', 'the tree nodes in the log do not give its apex: the log is damaged (run dare log verify)');
    }
    return proof;
  } finally {
    await log.close();
  }
}

export interface ProofCheckOptions {
  /** The purpose of the apex signatures (default `dare/apex/v1`). */
  purpose?: string;
  /** Let a legacy signature (no purpose) by a trusted key count (default false). */
  acceptLegacySignatures?: boolean;
}

/** What a proof that holds says. */
export interface ProofCheck {
  readonly index: number;
  readonly treeSize: number;
  readonly apex: Uint8Array;
  /** ContentMeta Created of the entry, when it is in the clear (unencrypted logs). */
  readonly created?: string;
  readonly encrypted: boolean;
  readonly signatures: readonly SignatureCheck[];
  /** True when a trusted signer signed the apex. */
  readonly trusted: boolean;
}

function leafHeader(leaf: ProofLeaf, what: string): DareHeader {
  try {
    return parseHeader(decodeJsonB(leaf.headerRecord), `${what} header`);
  } catch (e) {
    if (e instanceof DareError) throw new DareError(e.code === 'HEADER_MALFORMED' ? e.code : 'HEADER_MALFORMED', `proof: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Checks a proof: the leaf header names entry `index`, the apex header names frame
 * `treeSize - 1`, both audit paths give the apex, and every signature over the apex
 * verifies; with `trustedSigners`, one of them must have signed. Throws DareError:
 * MERKLE_MISMATCH (the proof does not hold), SIGNATURE_INVALID, or MALFORMED /
 * HEADER_MALFORMED for structurally impossible proofs. Returns what it proved.
 */
export function checkInclusionProof(proof: InclusionProof, trustedSigners: readonly VerificationKey[] = [], options: ProofCheckOptions = {}): ProofCheck {
  const { index, treeSize } = proof;
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) throw new DareError('MALFORMED', 'proof: tree size must be a positive integer');
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) throw new DareError('MALFORMED', `proof: index ${index} is not below the tree size ${treeSize}`);
  const header = leafHeader(proof.leaf, 'leaf');
  const apexHeader = leafHeader(proof.apexLeaf, 'apex frame');
  if (header.sequenceInfo?.index !== index) throw new DareError('MERKLE_MISMATCH', `proof: the leaf is frame ${header.sequenceInfo?.index ?? '?'}, not entry ${index}`);
  if (apexHeader.sequenceInfo?.index !== treeSize - 1) throw new DareError('MERKLE_MISMATCH', `proof: the apex frame is frame ${apexHeader.sequenceInfo?.index ?? '?'}, not frame ${treeSize - 1} of a tree of ${treeSize}`);
  const fd = (l: ProofLeaf) => frameDigest(l.headerRecord, l.payloadDigest);
  assertInclusion(fd(proof.leaf), index, treeSize, proof.path, proof.apex);
  assertInclusion(fd(proof.apexLeaf), treeSize - 1, treeSize, proof.apexPath, proof.apex);
  const checks = checkApexSignatures(proof.signatures, { size: treeSize, digest: proof.apex, purpose: options.purpose }, trustedSigners);
  const bad = checks.find((c) => c.status === 'invalid');
  if (bad) throw new DareError('SIGNATURE_INVALID', `proof: the signature by ${bad.kid ?? 'an unnamed key'} over the apex does not verify`);
  const trusted = checks.some((c) => isTrustedCheck(c, options.acceptLegacySignatures === true));
  if (trustedSigners.length > 0 && !trusted) {
    const legacy = checks.find((c) => c.status === 'valid' && c.trusted && c.legacy);
    throw new DareError('SIGNATURE_INVALID', legacy
      ? `proof: the apex is signed by ${legacy.kid ?? 'a trusted key'} with a legacy signature (no purpose: it may have been made for something else), which is not accepted`
      : checks.length ? `proof: the apex is not signed by a trusted key: it is signed by ${[...new Set(checks.map((c) => c.kid ?? 'an unnamed key'))].join(', ')}` : 'proof: the apex is not signed');
  }
  let created: string | undefined;
  const encrypted = header.enc !== undefined && header.enc.toLowerCase() !== 'none';
  if (!encrypted && header.contentMetaData) created = decodeContentMeta(header.contentMetaData).created;
  return { index, treeSize, apex: proof.apex, created, encrypted, signatures: checks, trusted };
}

/**
 * Checks entry bytes against a proof's leaf: their SHA-512 must be the PayloadDigest
 * (DIGEST_MISMATCH otherwise). Only for unencrypted entries: an encrypted entry's
 * digest is over its ciphertext (MALFORMED).
 */
export function checkEntryDigest(proof: InclusionProof, digest: Uint8Array): void {
  const header = leafHeader(proof.leaf, 'leaf');
  if (header.enc !== undefined && header.enc.toLowerCase() !== 'none') {
    throw new DareError('MALFORMED', 'the entry is encrypted: its PayloadDigest is over the ciphertext, so plaintext cannot be checked against it');
  }
  if (!equalBytes(digest, proof.leaf.payloadDigest)) throw new DareError('DIGEST_MISMATCH', `the entry's bytes do not match the PayloadDigest of entry ${proof.index}`);
}

/* ---- The proof file: JSON text, binary values in base64url (docs/FORMAT.md §10). ---- */

const PROOF_TAG = 'DareLogProof';
const PROOF_VERSION = 1;
const PROOF_FIELDS = new Set(['Version', 'Digest', 'Index', 'TreeSize', 'Leaf', 'Path', 'Apex', 'ApexLeaf', 'ApexPath', 'Signatures']);
const LEAF_FIELDS = new Set(['Header', 'PayloadDigest']);

function leafValue(l: ProofLeaf): JsonObject {
  return { Header: base64urlEncode(l.headerRecord), PayloadDigest: base64urlEncode(l.payloadDigest) };
}

/** The proof file text (pretty-printed JSON, one trailing line feed). */
export function encodeInclusionProof(p: InclusionProof): string {
  const signatures = trailerValue({ signatures: [...p.signatures] }).signatures as JsonValue[] | undefined;
  const o: JsonObject = {
    [PROOF_TAG]: {
      Version: PROOF_VERSION,
      Digest: 'S512',
      Index: p.index,
      TreeSize: p.treeSize,
      Leaf: leafValue(p.leaf),
      Path: p.path.map(base64urlEncode),
      Apex: base64urlEncode(p.apex),
      ApexLeaf: leafValue(p.apexLeaf),
      ApexPath: p.apexPath.map(base64urlEncode),
      Signatures: (signatures ?? []).map(b64Signature),
    },
  };
  return encodeJson(o, { indent: 2 }) + '\n';
}

/** Binary fields of a signature entry as base64url strings (the proof is JSON text). */
function b64Signature(v: JsonValue): JsonValue {
  if (v instanceof Uint8Array) return base64urlEncode(v);
  if (Array.isArray(v)) return v.map(b64Signature);
  if (isJsonObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, b64Signature(x)]));
  return v;
}

function bad(what: string): never {
  throw new DareError('MALFORMED', `proof: ${what}`);
}

function field(o: JsonObject, k: string): JsonValue {
  const v = o[k];
  if (v === undefined || v === null) bad(`missing ${k}`);
  return v;
}

/** Canonical base64url (no padding, no whitespace, no stray bits) of `len` bytes, or up to `max`. */
function b64(v: JsonValue, what: string, len?: number, max = MAX_PROOF_HEADER_BYTES): Uint8Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]*$/.test(v)) bad(`${what} must be a base64url string`);
  if (v.length > Math.ceil((max * 4) / 3)) throw new DareError('LIMIT_EXCEEDED', `proof: ${what} is longer than ${max} bytes`);
  const b = base64urlDecode(v);
  if (base64urlEncode(b) !== v) bad(`${what} is not canonical base64url`);
  if (len !== undefined && b.length !== len) bad(`${what} must be ${len} bytes, got ${b.length}`);
  return b;
}

function integer(v: JsonValue, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(`${what} must be an integer of at least ${min}`);
  return v;
}

function digests(v: JsonValue, what: string): Uint8Array[] {
  if (!Array.isArray(v)) bad(`${what} must be a list`);
  if (v.length > MAX_PROOF_PATH) throw new DareError('LIMIT_EXCEEDED', `proof: ${what} has more than ${MAX_PROOF_PATH} nodes`);
  return v.map((x, i) => b64(x, `${what}[${i}]`, DIGEST_LENGTH));
}

function leafOf(v: JsonValue, what: string): ProofLeaf {
  if (!isJsonObject(v)) bad(`${what} must be an object`);
  for (const k of Object.keys(v)) if (!LEAF_FIELDS.has(k)) bad(`${what}: unknown field ${JSON.stringify(k)}`);
  return { headerRecord: b64(field(v, 'Header'), `${what}.Header`), payloadDigest: b64(field(v, 'PayloadDigest'), `${what}.PayloadDigest`, DIGEST_LENGTH) };
}

/**
 * Parses a proof file strictly: JSON text of at most {@link MAX_PROOF_BYTES}, only the
 * fields above, canonical base64url, 64-byte digests, at most {@link MAX_PROOF_PATH}
 * path nodes and {@link MAX_PROOF_SIGNATURES} signatures, index below the tree size.
 * MALFORMED or LIMIT_EXCEEDED otherwise (never another exception for any input).
 */
export function parseInclusionProof(input: string | Uint8Array): InclusionProof {
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > MAX_PROOF_BYTES) throw new DareError('LIMIT_EXCEEDED', `proof: larger than ${MAX_PROOF_BYTES} bytes`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : fromUtf8(input);
  } catch (e) {
    throw new DareError('MALFORMED', 'proof: not UTF-8 text', { cause: e });
  }
  let root: JsonValue;
  try {
    root = decodeJson(text, { strict: true, maxDepth: 12 });
  } catch (e) {
    if (e instanceof DareError) throw new DareError(e.code === 'LIMIT_EXCEEDED' ? e.code : 'MALFORMED', `proof: ${e.message}`, { cause: e });
    throw new DareError('MALFORMED', 'proof: not JSON', { cause: e });
  }
  if (!isJsonObject(root) || Object.keys(root).length !== 1 || !isJsonObject(root[PROOF_TAG])) bad(`expected an object {"${PROOF_TAG}": {...}}`);
  const o = root[PROOF_TAG];
  for (const k of Object.keys(o)) if (!PROOF_FIELDS.has(k)) bad(`unknown field ${JSON.stringify(k)}`);
  if (field(o, 'Version') !== PROOF_VERSION) bad(`unsupported Version (this reader knows ${PROOF_VERSION})`);
  if (field(o, 'Digest') !== 'S512') bad('unsupported Digest (this reader knows S512)');
  const treeSize = integer(field(o, 'TreeSize'), 'TreeSize', 1);
  const index = integer(field(o, 'Index'), 'Index', 0);
  if (index >= treeSize) bad(`Index ${index} is not below TreeSize ${treeSize}`);
  const sigs = o.Signatures ?? [];
  if (!Array.isArray(sigs)) bad('Signatures must be a list');
  if (sigs.length > MAX_PROOF_SIGNATURES) throw new DareError('LIMIT_EXCEEDED', `proof: more than ${MAX_PROOF_SIGNATURES} signatures`);
  let signatures: SignatureEntry[];
  try {
    signatures = parseTrailer({ signatures: sigs }, 'proof').signatures ?? [];
  } catch (e) {
    if (e instanceof DareError) throw new DareError('MALFORMED', e.message, { cause: e });
    throw e;
  }
  return {
    index, treeSize,
    leaf: leafOf(field(o, 'Leaf'), 'Leaf'),
    path: digests(field(o, 'Path'), 'Path'),
    apex: b64(field(o, 'Apex'), 'Apex', DIGEST_LENGTH),
    apexLeaf: leafOf(field(o, 'ApexLeaf'), 'ApexLeaf'),
    apexPath: digests(field(o, 'ApexPath'), 'ApexPath'),
    signatures,
  };
}
