/**
 * What a writer trusts before it builds on an existing sequence (docs/FORMAT.md §8, "What a
 * writer trusts"; issue 12 findings 3 and 4). A sequence file is only as trustworthy as the
 * storage it sits on: whoever can replace it chooses its policy (the keys new frames are
 * encrypted to) and can append frames. So a writer
 *
 * - takes the policy of frame 0 only when a signature by a key it trusts covers frame 0 (its
 *   own signing key, or keys it is given), or when the policy encrypts only to keys the writer
 *   holds itself; recipients given explicitly replace the policy's;
 * - signs only when every frame after the last signature by a trusted key was written by this
 *   session, that is, when the last frame carries that signature; frames after it are named,
 *   and the caller may adopt them after its user reviewed them.
 *
 * A signature by a trusted key counts for frame k when it verifies over the TreeDigest of
 * frame k, frame 0 has an audit path to that TreeDigest, and the tree of the last frame (which
 * the writer continues) extends it (an RFC 9162 consistency proof): all from stored TreeNodes,
 * O(log² n) frame reads plus one read per frame after the last trusted signature.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes } from '../internal/bytes.js';
import { previousFrameStart } from '../encoding/jbcd.js';
import { type RandomAccessReader } from '../internal/random-access.js';
import type { RecipientKey, VerificationKey } from '../keys/types.js';
import { isAgreementIdentity, type DecryptionKeyLike } from '../keys/identity.js';
import { agreementPublicKey } from '../crypto/agreement.js';
import { checkApexSignatures, isTrustedCheck } from '../envelope/signatures.js';
import { frameDigest } from './format.js';
import { readFrameView, type FrameView } from './frames.js';
import { FrameLocator } from './locator.js';
import { verifyConsistency, verifyInclusion } from './merkle.js';
import type { SequencePolicy } from './policy.js';

/** What a writer is given to decide what it trusts (SequenceWriter.open `trust`). */
export interface WriterTrust {
  /** Signatures by these keys vouch for the sequence, as do the writer's own signer's. */
  readonly trustedSigners?: readonly VerificationKey[];
  /** Public keys of the identities the writer holds: a policy that encrypts only to them needs no signature. */
  readonly ownKeys?: readonly RecipientKey[];
  /** Build on and sign over the frames after the last trusted signature (the user reviewed them). */
  readonly adopt?: boolean;
}

/** What a writer found when it opened a sequence. */
export interface TrustReport {
  /** The last frame carrying a valid signature by a trusted key that covers the sequence up to it; -1 for none. */
  readonly lastTrusted: number;
  /** The frames after it, when there are any (adopted, or the session does not sign). */
  readonly unvouched?: { readonly from: number; readonly to: number };
  /** True when frames after the last trusted signature were adopted (WriterTrust.adopt). */
  readonly adopted: boolean;
}

/** The public keys of private keys a writer holds (WriterTrust.ownKeys). */
export function publicKeysOf(keys: readonly DecryptionKeyLike[] | undefined): RecipientKey[] {
  const out: RecipientKey[] = [];
  for (const k of keys ?? []) {
    if (k.crv === 'Ed25519' || k.crv === 'Ed448') continue;
    if (!isAgreementIdentity(k)) out.push({ crv: k.crv, publicKey: agreementPublicKey(k.crv, k.privateKey) });
    else if (k.publicKey !== undefined) out.push({ crv: k.crv, publicKey: k.publicKey });
  }
  return out;
}

/** Frames `from`..`to` as people say it. */
export function frameRange(r: { from: number; to: number }): string {
  return r.from === r.to ? `frame ${r.from}` : `frames ${r.from}-${r.to}`;
}

/**
 * True when a valid signature by one of `signers` in `view` signs its apex under `purpose`
 * (the frame count and its TreeDigest, docs/FORMAT.md §8). Legacy signatures (no purpose)
 * never count: one may have been made for another purpose.
 */
function signedBy(view: FrameView, signers: readonly VerificationKey[], purpose?: string): boolean {
  const apex = view.trailer?.treeDigest;
  const entries = [...(view.header.signatures ?? []), ...(view.trailer?.signatures ?? [])];
  if (!apex || !entries.length) return false;
  return checkApexSignatures(entries, { size: view.index + 1, digest: apex, purpose }, signers).some((s) => isTrustedCheck(s, false));
}

/** The frame before `view`, read backwards through its mirrored length. */
async function frameBefore(r: RandomAccessReader, view: FrameView): Promise<FrameView> {
  const v = await readFrameView(r, await previousFrameStart(r, view.position));
  if (v.index !== view.index - 1 || v.end !== view.position) throw new DareError('SEQUENCE_ORDER', `the frame before frame ${view.index} (offset ${view.position}) is not frame ${view.index - 1}`);
  return v;
}

/**
 * Finds the last frame with a trusted signature that covers the sequence and checks that
 * the writer's tree (whose apex is `last`'s TreeDigest, checked by the caller against the
 * stored nodes) extends it. MERKLE_MISMATCH when a trusted signature is there but frame 0 is
 * not in its tree or the file's tree does not extend it (frames before it were changed).
 */
export async function lastTrustedFrame(r: RandomAccessReader, first: FrameView, last: FrameView, signers: readonly VerificationKey[], purpose?: string): Promise<number> {
  if (!signers.length) return -1;
  let cur = last;
  for (;;) {
    if (signedBy(cur, signers, purpose)) break;
    if (cur.index === 0) return -1;
    cur = cur.index === 1 ? first : await frameBefore(r, cur);
  }
  const signed = cur.trailer?.treeDigest as Uint8Array;
  const size = cur.index + 1;
  const locate = new FrameLocator(r, last, first, cur);
  if (cur.index > 0) {
    const l = await locate.leaf(0);
    if (!verifyInclusion(frameDigest(l.headerRecord, l.payloadDigest), 0, size, await locate.auditPath(0, size), signed)) {
      throw new DareError('MERKLE_MISMATCH', `frame 0 (the policy) is not in the tree signed on frame ${cur.index}: the file was changed`);
    }
  }
  if (cur.index < last.index) {
    const apex = last.trailer?.treeDigest as Uint8Array;
    if (!verifyConsistency(size, last.index + 1, signed, apex, await locate.consistencyPath(size, last.index + 1))) {
      throw new DareError('MERKLE_MISMATCH', `the frames up to frame ${cur.index}, which a trusted key signed, are not the ones the file's tree holds: the file was changed`);
    }
  }
  return cur.index;
}

function sameKey(a: RecipientKey, b: RecipientKey): boolean {
  return a.crv === b.crv && equalBytes(a.publicKey, b.publicKey);
}

/**
 * Applies the rules of this module to a sequence being opened for appending. `signing`:
 * the session may sign; `recipients`: keys given to encrypt new frames to (they replace the
 * policy's); `secret`: the session holds the shared secret the policy names. Throws
 * SIGNATURE_INVALID (naming the frames) when the writer would sign over frames nobody it
 * trusts signed, or would encrypt to keys nobody it trusts vouched for.
 */
export async function checkWriterTrust(
  r: RandomAccessReader, first: FrameView, last: FrameView, policy: SequencePolicy,
  o: WriterTrust & { signer?: VerificationKey; recipients?: readonly RecipientKey[]; name: string; purpose?: string },
): Promise<TrustReport> {
  const signers = [...(o.trustedSigners ?? []), ...(o.signer ? [o.signer] : [])];
  const k = await lastTrustedFrame(r, first, last, signers, o.purpose);
  const unvouched = k < last.index ? { from: k + 1, to: last.index } : undefined;
  const adopted = unvouched !== undefined && o.adopt === true;
  if (o.signer && unvouched && !adopted) {
    const who = k < 0 ? 'no frame carries a signature by a trusted key' : `the last signature by a trusted key is on frame ${k}`;
    throw new DareError('SIGNATURE_INVALID', `${o.name}: ${frameRange(unvouched)} ${unvouched.from === unvouched.to ? 'was' : 'were'} not written by this session and ${who}: signing now would vouch for ${unvouched.from === unvouched.to ? 'it' : 'them'} (review ${unvouched.from === unvouched.to ? 'it' : 'them'}, then adopt)`);
  }
  // The policy: what new frames are encrypted to (or that they are not encrypted).
  if (o.recipients && policy.secretKid === undefined) {
    const p = policy.encryptKeys;
    const same = p.length === o.recipients.length && p.every((x) => o.recipients?.some((y) => sameKey(x, y)));
    if (!same) {
      throw new DareError('MISMATCH', `${o.name}: its policy (frame 0) ${p.length ? `encrypts to ${p.length === 1 ? 'another key' : 'other keys'}` : 'encrypts to no key'} than the ${o.recipients.length === 1 ? 'one' : o.recipients.length} given: the file may have been replaced`);
    }
  }
  const vouched = k >= 0 || adopted;
  if (!o.recipients && policy.secretKid === undefined && !vouched) {
    const own = o.ownKeys ?? [];
    const keys = policy.encryptKeys;
    const mine = keys.length > 0 && keys.every((p) => own.some((m) => sameKey(p, m)));
    // A plaintext policy needs vouching when the writer signs or trusts keys (it expects a signed file).
    if (keys.length > 0 ? !mine : signers.length > 0) {
      const what = keys.length ? `the ${keys.length === 1 ? 'key' : `${keys.length} keys`} new frames would be encrypted to` : 'that new frames are not encrypted';
      throw new DareError('SIGNATURE_INVALID', `${o.name}: ${what} come${keys.length ? '' : 's'} from the file itself (frame 0), and no signature by a key you trust covers it`);
    }
  }
  return { lastTrusted: k, unvouched, adopted };
}
