/**
 * Key exchange: wrapping the master key for each recipient and unwrapping it
 * (draft-hallambaker-mesh-dare-12 §3.4.1, §5.3.3; docs/FORMAT.md §4).
 *
 * Written: X25519/X448 (RFC 7748) with a fresh ephemeral key per recipient,
 * KEK = HKDF-SHA-512(Z, no salt, empty info, 32) and RFC 3394 wrap, as the
 * reference library does (conformance/dare.md item 25). Read as well: the
 * reference's `"crv":"Ed25519"` entries (Edwards agreement, item 26) with KEK info
 * empty or "master".
 * @module
 */
import { DareError } from '../errors.js';
import { agree, generateAgreementKeyPair } from '../crypto/agreement.js';
import { hkdf } from '../crypto/kdf.js';
import { getBackend } from '../crypto/backend-select.js';
import { keyFingerprint, udfMatches } from '../udf/index.js';
import { utf8 } from '../internal/bytes.js';
import type { RecipientKey } from '../keys/types.js';
import { toIdentity, type AgreementIdentity, type DecryptionKeyLike } from '../keys/identity.js';
import type { RecipientEntry } from './schema.js';

const KEK_INFOS = [new Uint8Array(0), utf8('master')];

function kek(agreement: Uint8Array, info: Uint8Array): Uint8Array {
  return hkdf('sha512', agreement, undefined, info, 32);
}

/** A recipient entry that lets the holder of `recipient`'s private key recover `master`. */
export function wrapForRecipient(master: Uint8Array, recipient: RecipientKey): RecipientEntry {
  const ephemeral = generateAgreementKeyPair(recipient.crv);
  const z = agree(recipient.crv, ephemeral.privateKey, recipient.publicKey);
  return {
    kid: keyFingerprint(recipient.crv, recipient.publicKey),
    epk: { crv: recipient.crv, public: ephemeral.publicKey },
    wmk: getBackend().aesKeyWrap(kek(z, KEK_INFOS[0] as Uint8Array), master),
  };
}

/** True when an identity is to be asked about an entry: same curve, and its kid when it names its kids. */
function answers(entry: RecipientEntry, id: AgreementIdentity): boolean {
  if (entry.epk === undefined || entry.epk.crv !== id.crv) return false;
  if (id.kids === undefined) return true;
  return entry.kid !== undefined && id.kids.some((k) => {
    try {
      return udfMatches(k, entry.kid as string);
    } catch {
      return false;
    }
  });
}

/** The agreement value of `id` with an entry's ephemeral key, or undefined when the key does not fit. */
async function agreementFor(entry: RecipientEntry, id: AgreementIdentity): Promise<Uint8Array | undefined> {
  try {
    return await id.agree((entry.epk as { public: Uint8Array }).public);
  } catch (e) {
    if ((e instanceof DareError && e.code === 'KEY_INVALID') || e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * The master key from the first entry any of `keys` opens. Every entry is tried with every
 * key of its curve (the kid is only a hint), except identities that name their key ids,
 * which are asked only about their own entries (keys/identity.ts); NO_MATCHING_KEY if
 * none opens. An identity's own failure (a service that refuses) is passed on.
 */
export async function unwrapMaster(entries: readonly RecipientEntry[], keys: readonly DecryptionKeyLike[]): Promise<Uint8Array> {
  const backend = getBackend();
  const ids = keys.map(toIdentity);
  for (const entry of entries) {
    if (entry.wmk === undefined) continue;
    for (const id of ids) {
      if (!answers(entry, id)) continue;
      const z = await agreementFor(entry, id);
      if (z === undefined) continue;
      for (const info of KEK_INFOS) {
        try {
          return backend.aesKeyUnwrap(kek(z, info), entry.wmk);
        } catch (e) {
          if (!(e instanceof DareError)) throw e;
        }
      }
    }
  }
  const kids = entries.map((e) => e.kid ?? '?').join(', ');
  throw new DareError('NO_MATCHING_KEY', keys.length === 0 ? `envelope is encrypted to ${kids}; no private key given` : `none of the keys given opens the envelope (recipients: ${kids})`);
}
