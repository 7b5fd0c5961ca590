/**
 * Key pair derivation from seed UDFs (draft-hallambaker-mesh-udf-13 §4.4), by the
 * recipe all the §4.4.1-4.4.3 examples reproduce (conformance/udf.md items 13-15):
 *
 *   seed UDF = 0xC8 || key specifier (2 octets) || seed
 *   IKM      = key specifier || seed              (the seed UDF without its type octet)
 *   PRK      = HKDF-Extract-SHA-512(salt = key specifier of the TARGET algorithm, IKM)
 *   OKM      = HKDF-Expand-SHA-512(PRK, info = empty, L)
 *
 * The prose (salt null, info = alg + param + keyname) disagrees with every example
 * and is not followed. The target specifier carries the seed's key-use bits; for an
 * 'Any' seed (§4.4.5) the caller names the target algorithm.
 *
 * - X25519 (L = 32), X448 (56), Ed25519 (32): the private key is the OKM; the public
 *   key is computed with @noble/curves.
 * - Ed448: the draft's L = 56 gives 56 octets, but RFC 8032 private keys have 57. This
 *   module takes L = 57 from the same HKDF-Expand. HKDF output is prefix-stable, so the
 *   first 56 octets are exactly the draft's printed key; the 57th is the next OKM
 *   octet (not a constant), keeping the whole private key pseudorandom.
 * - P-256 (L = 40), P-384 (56), P-521 (74): d = (c mod (p - 1)) + 1, c the OKM as a
 *   big-endian integer and p the curve's FIELD prime (as the examples compute; the
 *   group order n of FIPS 186-4 B.4.1 does not reproduce them). A d >= n, which has
 *   probability below 2^-128, raises KEY_INVALID. The private key is d big-endian in
 *   the field's octet length; the public key is the uncompressed SEC1 point.
 * - RSA (§4.4.4) is not implemented: the examples reproduce only with 256-bit primes
 *   (item 16), which give no usable RSA-2048 key.
 * @module
 */
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { aBytes, bigIntToBytes, bytesToBigInt, concatBytes } from '../internal/bytes.js';
import { DareError } from '../errors.js';
import { KeyAlgorithm, keyAlgorithmName, keySpecifier, UdfType, type KeyAlgorithmName } from './types.js';
import { formatUdf, parseUdfOfKind, type Udf } from './presentation.js';

/** The algorithms this module derives key pairs for. */
export type DerivableAlgorithm = 'X25519' | 'X448' | 'Ed25519' | 'Ed448' | 'P256' | 'P384' | 'P521';

export const DERIVABLE_ALGORITHMS: readonly DerivableAlgorithm[] = ['X25519', 'X448', 'Ed25519', 'Ed448', 'P256', 'P384', 'P521'];

/** OKM length L in octets per algorithm (§4.4.2, §4.4.3; Ed448 see the module note). */
export const DERIVATION_LENGTH: Readonly<Record<DerivableAlgorithm, number>> = {
  X25519: 32, X448: 56, Ed25519: 32, Ed448: 57, P256: 40, P384: 56, P521: 74,
};

/** A parsed seed UDF. */
export interface Seed {
  readonly udf: Udf;
  /** Key algorithm code (bits 0-13 of the specifier). */
  readonly algorithm: number;
  readonly algorithmName: KeyAlgorithmName | undefined;
  /** Key use code 0..3 (bits 14-15). */
  readonly use: number;
  /** The two specifier octets. */
  readonly specifier: Uint8Array;
  /** The seed octets after the specifier. */
  readonly seed: Uint8Array;
}

/** Presents a seed UDF for `algorithm` (a KeyAlgorithm code) and `use`. */
export function formatSeed(algorithm: number, seed: Uint8Array, use = 0): string {
  aBytes(seed, 'seed');
  if (seed.length < 1 || seed.length > 64) throw new RangeError(`seed must be 1..64 octets, got ${seed.length}`);
  return formatUdf(concatBytes(Uint8Array.of(UdfType.SEED), keySpecifier(algorithm, use), seed));
}

/** A fresh seed UDF with `bits` random bits (multiple of 8 in [128, 512]; default 128). */
export function generateSeed(algorithm: number, use = 0, bits = 128): string {
  if (!Number.isSafeInteger(bits) || bits % 8 !== 0 || bits < 128 || bits > 512) throw new RangeError(`bits must be a multiple of 8 in [128, 512], got ${bits}`);
  return formatSeed(algorithm, randomBytes(bits / 8), use);
}

/** Parses a seed UDF (type 200, 'Z'). Throws UDF_INVALID for any other type or length. */
export function parseSeed(text: string): Seed {
  const udf = parseUdfOfKind(text, 'seed', 'a seed udf');
  const specifier = udf.data.slice(0, 2);
  const v = ((specifier[0] as number) << 8) | (specifier[1] as number);
  const algorithm = v & 0x3fff;
  return { udf, algorithm, algorithmName: keyAlgorithmName(algorithm), use: v >> 14, specifier, seed: udf.data.slice(2) };
}

/** The HKDF steps of §4.4 for one target: PRK and OKM of `length` octets. */
export function seedOkm(seed: Seed, target: number, length: number): { ikm: Uint8Array; salt: Uint8Array; prk: Uint8Array; okm: Uint8Array } {
  const ikm = concatBytes(seed.specifier, seed.seed);
  const salt = keySpecifier(target, seed.use);
  const prk = extract(sha512, ikm, salt);
  return { ikm, salt, prk, okm: expand(sha512, prk, new Uint8Array(0), length) };
}

export interface DerivedKeyPair {
  readonly algorithm: DerivableAlgorithm;
  /** X25519/X448/Ed25519/Ed448: the RFC 7748/8032 private key; NIST: d big-endian. */
  readonly privateKey: Uint8Array;
  /** X25519/X448/Ed25519/Ed448: the RFC 7748/8032 public key; NIST: uncompressed SEC1. */
  readonly publicKey: Uint8Array;
}

const NIST = { P256: p256, P384: p384, P521: p521 } as const;

function isDerivable(name: string | undefined): name is DerivableAlgorithm {
  return name !== undefined && (DERIVABLE_ALGORITHMS as readonly string[]).includes(name);
}

/**
 * Derives the key pair a seed UDF specifies. For an 'Any' seed, `algorithm` names the
 * target; otherwise it may be omitted and must match the seed's when given.
 * UNSUPPORTED_ALGORITHM for a seed of an algorithm not derivable here (RSA, Mesh).
 */
export function deriveKeyPair(seedUdf: string | Seed, algorithm?: DerivableAlgorithm): DerivedKeyPair {
  const seed = typeof seedUdf === 'string' ? parseSeed(seedUdf) : seedUdf;
  let target: DerivableAlgorithm;
  if (seed.algorithm === KeyAlgorithm.Any) {
    if (algorithm === undefined) throw new TypeError('an Any seed needs the target algorithm');
    if (!isDerivable(algorithm)) throw new TypeError(`cannot derive ${String(algorithm)} keys`);
    target = algorithm;
  } else {
    if (!isDerivable(seed.algorithmName)) {
      throw new DareError('UNSUPPORTED_ALGORITHM', `key derivation for algorithm ${seed.algorithmName ?? seed.algorithm} is not supported`);
    }
    if (algorithm !== undefined && algorithm !== seed.algorithmName) throw new TypeError(`seed is for ${seed.algorithmName}, not ${algorithm}`);
    target = seed.algorithmName;
  }
  const { okm } = seedOkm(seed, KeyAlgorithm[target], DERIVATION_LENGTH[target]);
  switch (target) {
    case 'X25519':
      return { algorithm: target, privateKey: okm, publicKey: x25519.getPublicKey(okm) };
    case 'X448':
      return { algorithm: target, privateKey: okm, publicKey: x448.getPublicKey(okm) };
    case 'Ed25519':
      return { algorithm: target, privateKey: okm, publicKey: ed25519.getPublicKey(okm) };
    case 'Ed448':
      return { algorithm: target, privateKey: okm, publicKey: ed448.getPublicKey(okm) };
    default: {
      const curve = NIST[target];
      const d = (bytesToBigInt(okm) % (curve.Point.Fp.ORDER - 1n)) + 1n;
      if (d >= curve.Point.Fn.ORDER) throw new DareError('KEY_INVALID', `derived ${target} scalar is not below the group order`);
      const privateKey = bigIntToBytes(d, curve.Point.Fn.BYTES);
      return { algorithm: target, privateKey, publicKey: curve.getPublicKey(privateKey, false) };
    }
  }
}
