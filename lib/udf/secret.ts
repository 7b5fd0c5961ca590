/**
 * Secret keys as text (draft-hallambaker-mesh-udf-13 §4.3, §1.1.1):
 *
 * - Encryption/authentication UDFs: the type octet 32 ('E', HKDF_AES_512; 33 is also
 *   accepted) followed by random key octets. Fresh ones are presented in full. The
 *   reference presents EARL keys cut short (0x20 || 18 octets shown at 150 bits,
 *   conformance/udf.md item 9), so a parsed E UDF may end inside an octet; its key is
 *   the presented string, and `keyBits` says how many key bits it carries.
 * - The type-less secret of `key share` (item 2, CONFORMANCE item 4): plain base32 of
 *   the secret octets, no type octet, e.g. `R37G-MEFF-SSAX-KVPE-BG7O-XIXZ-CY` for
 *   `8E FE 66 10 ...`. The draft's "Encryption/Authenticator UDF" `OZHU-...` is of this
 *   kind (0x76 is the first secret octet, not a type).
 * @module
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { aBytes, concatBytes } from '../internal/bytes.js';
import { DareError } from '../errors.js';
import { UdfType } from './types.js';
import { bareUdf, decodePresentedBits, formatUdf, groupDashes, parseUdfOfKind, type Udf } from './presentation.js';
import { checkRandomBits } from './nonce.js';
import { base32Encode } from '../encoding/base32.js';

/** Default secret size in bits. */
export const DEFAULT_SECRET_BITS = 128;

/** Presents `key` (16..64 octets) as an encryption/authentication UDF (type 32 or 33). */
export function secretUdf(key: Uint8Array, type: number = UdfType.ENCRYPTION): string {
  aBytes(key, 'key');
  if (key.length < 16 || key.length > 64) throw new RangeError(`secret key must be 16..64 octets, got ${key.length}`);
  if (type !== UdfType.ENCRYPTION && type !== UdfType.ENCRYPTION_SIGNATURE) throw new RangeError(`secret udf type must be 32 or 33, got ${type}`);
  return formatUdf(concatBytes(Uint8Array.of(type), key));
}

/** A fresh random encryption/authentication UDF of `bits` key bits (a multiple of 8 in [128, 512]; default 128). */
export function generateSecret(bits: number = DEFAULT_SECRET_BITS): string {
  return secretUdf(randomBytes(checkRandomBits(bits, 128) / 8));
}

export interface ParsedSecret {
  readonly udf: Udf;
  /** Number of key bits presented after the type octet. */
  readonly keyBits: number;
  /** The whole key octets presented (a final partial octet is left out). */
  readonly key: Uint8Array;
}

/** Parses an encryption/authentication UDF. Throws UDF_INVALID for any other type or a short key. */
export function parseSecret(text: string): ParsedSecret {
  const udf = parseUdfOfKind(text, 'secret', 'an encryption/authentication udf');
  return { udf, keyBits: udf.bits - 8, key: udf.data };
}

/** The type-less presentation of a secret: plain base32 of its 1..64 octets, dashes every 4. */
export function formatPlainSecret(secret: Uint8Array): string {
  aBytes(secret, 'secret');
  if (secret.length < 1 || secret.length > 64) throw new RangeError(`secret must be 1..64 octets, got ${secret.length}`);
  return groupDashes(base32Encode(secret));
}

/**
 * Parses the type-less presentation of a secret: whole octets (1..64), zero padding
 * bits. Throws UDF_INVALID otherwise.
 */
export function parsePlainSecret(text: string): Uint8Array {
  const bare = bareUdf(text);
  const octets = Math.floor((bare.length * 5) / 8);
  if (octets < 1 || Math.ceil((octets * 8) / 5) !== bare.length) {
    throw new DareError('UDF_INVALID', `secret of ${bare.length} characters is not a whole number of octets`);
  }
  if (octets > 64) throw new DareError('UDF_INVALID', `secret of ${octets} octets is longer than 64`);
  const bits = decodePresentedBits(bare);
  if (bits.length > octets && bits[octets] !== 0) throw new DareError('UDF_INVALID', 'secret has non-zero padding bits');
  return bits.slice(0, octets);
}
