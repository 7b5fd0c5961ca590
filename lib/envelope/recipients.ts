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
import { agree, edwardsAgreement, generateAgreementKeyPair } from '../crypto/agreement.js';
import { hkdf } from '../crypto/kdf.js';
import { getBackend } from '../crypto/backend-select.js';
import { keyFingerprint } from '../udf/index.js';
import { utf8 } from '../internal/bytes.js';
import type { DecryptionKey, RecipientKey } from '../keys/types.js';
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

/** The agreement value of `key` with an entry's ephemeral key, or undefined if the curves differ. */
function agreementFor(entry: RecipientEntry, key: DecryptionKey): Uint8Array | undefined {
  const epk = entry.epk;
  if (epk === undefined || epk.crv !== key.crv) return undefined;
  try {
    if (key.crv === 'Ed25519') return edwardsAgreement('Ed25519', key.privateKey, epk.public);
    return agree(key.crv, key.privateKey, epk.public);
  } catch (e) {
    if (e instanceof DareError || e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * The master key from the first entry any of `keys` opens. Every entry is tried
 * with every key of its curve (the kid is only a hint); NO_MATCHING_KEY if none opens.
 */
export function unwrapMaster(entries: readonly RecipientEntry[], keys: readonly DecryptionKey[]): Uint8Array {
  const backend = getBackend();
  for (const entry of entries) {
    if (entry.wmk === undefined) continue;
    for (const key of keys) {
      const z = agreementFor(entry, key);
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
