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

const INFO_ENCRYPT = utf8('encrypt');
const INFO_IV = utf8('iv');
const INFO_MAC = utf8('mac');

/** The keys of one encrypted item (the payload or one EDS). */
export interface ItemKeys {
  readonly encryptionKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly macKey: Uint8Array;
}

/** Keys for the item whose salt is `salt` (the header Salt, or prefix || Salt for an EDS). */
export function deriveItemKeys(master: Uint8Array, salt: Uint8Array): ItemKeys {
  return {
    encryptionKey: hkdf('sha256', master, salt, INFO_ENCRYPT, 32),
    iv: hkdf('sha256', master, salt, INFO_IV, 16),
    macKey: hkdf('sha256', master, salt, INFO_MAC, 32),
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
