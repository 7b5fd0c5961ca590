/**
 * Per-item keys from the master key (base seed): draft-hallambaker-mesh-dare-12
 * §3.4.3 (salts) and §3.4.4 (derivation) as the Appendix A vectors compute them
 * (CONFORMANCE.md item 5: HKDF-SHA-256 with info "encrypt", "iv", "mac"; the
 * prose's "dare-encrypt" labels are wrong). Also the symmetric key id (item 29)
 * and the signature witness (item 28).
 * @module
 */
import { hkdf } from '../crypto/kdf.js';
import { getBackend } from '../crypto/backend-select.js';
import { base32Encode } from '../encoding/base32.js';
import { concatBytes, utf8 } from '../internal/bytes.js';

/** HKDF-Expand's single block T(1) input for each label: info || 0x01 (RFC 5869 §2.3). */
const T1_ENCRYPT = utf8('encrypt\x01');
const T1_IV = utf8('iv\x01');
const T1_MAC = utf8('mac\x01');

/** The keys of one encrypted item (the payload or one EDS). */
export interface ItemKeys {
  readonly encryptionKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly macKey: Uint8Array;
}

/** Keys for the item whose salt is `salt` (the header Salt, or prefix || Salt for an EDS). */
export function deriveItemKeys(master: Uint8Array, salt: Uint8Array): ItemKeys {
  // HKDF-SHA-256(master, salt, info) for the three labels, computed as RFC 5869 defines
  // it: the PRK = HMAC(salt, master) is the same for all three (extract once), and no
  // output is longer than HashLen, so each expand is the one block HMAC(PRK, info || 1).
  // Same bytes as three hkdf() calls (keyschedule.test.ts), four HMACs instead of six.
  const b = getBackend();
  const prk = b.hmac('sha256', salt, master);
  return {
    encryptionKey: b.hmac('sha256', prk, T1_ENCRYPT),
    iv: b.hmac('sha256', prk, T1_IV).slice(0, 16),
    macKey: b.hmac('sha256', prk, T1_MAC),
  };
}

/** The salt of an EDS: its prefix concatenated before the master salt (§3.4.3). */
export function edsSalt(prefix: Uint8Array, masterSalt: Uint8Array): Uint8Array {
  return concatBytes(prefix, masterSalt);
}

/**
 * The symmetric key id the header `kid` carries (conformance/dare.md item 29):
 * base32(0x20 || 0x60 || SHA-512("UDFEncryption:" || master)[0..16]), 28 characters.
 */
export function masterKeyId(master: Uint8Array): string {
  const h = getBackend().hash('sha512', concatBytes(utf8('UDFEncryption:'), master));
  const text = base32Encode(concatBytes(Uint8Array.of(0x20, 0x60), h.subarray(0, 16)), 28);
  return text.replace(/(.{4})(?=.)/g, '$1-');
}

/** The witness of a signature on an encrypted envelope (item 28). */
export function witness(master: Uint8Array, salt: Uint8Array, signatureBytes: Uint8Array): Uint8Array {
  return hkdf('sha256', master, salt, signatureBytes, 32);
}
