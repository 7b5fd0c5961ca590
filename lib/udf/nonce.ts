/**
 * Nonce UDFs (draft-hallambaker-mesh-udf-13 §4.1): the type octet 104 ('N') followed
 * by random octets, presented in full (fixed length, never truncated). The §1.1 nonce
 * `ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QSA` is 0x68 || 16 random octets (conformance/udf.md
 * item 1); it cannot be reproduced, only its structure checked.
 * @module
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { aBytes, concatBytes } from '../internal/bytes.js';
import { UdfType } from './types.js';
import { formatUdf, parseUdfOfKind } from './presentation.js';

/** Default nonce size in bits. */
export const DEFAULT_NONCE_BITS = 128;

/** Checks a random value size: a multiple of 8 in [min, 512]. */
export function checkRandomBits(bits: number, min: number): number {
  if (typeof bits !== 'number' || !Number.isSafeInteger(bits)) throw new TypeError('"bits" expected an integer');
  if (bits % 8 !== 0) throw new RangeError(`bits must be a multiple of 8, got ${bits}`);
  if (bits < min || bits > 512) throw new RangeError(`bits must be in [${min}, 512], got ${bits}`);
  return bits;
}

/** Presents `value` (1..64 octets) as a nonce UDF. */
export function nonceUdf(value: Uint8Array): string {
  aBytes(value, 'value');
  if (value.length < 1 || value.length > 64) throw new RangeError(`nonce must be 1..64 octets, got ${value.length}`);
  return formatUdf(concatBytes(Uint8Array.of(UdfType.NONCE), value));
}

/** A fresh random nonce UDF of `bits` bits (a multiple of 8 in [64, 512]; default 128). */
export function generateNonce(bits: number = DEFAULT_NONCE_BITS): string {
  return nonceUdf(randomBytes(checkRandomBits(bits, 64) / 8));
}

/** The random octets of a nonce UDF. Throws UDF_INVALID for any other type or a bad length. */
export function parseNonce(text: string): Uint8Array {
  return parseUdfOfKind(text, 'nonce', 'a nonce udf').data;
}
