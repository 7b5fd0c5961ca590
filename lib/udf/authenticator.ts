/**
 * Authenticator UDFs (draft-hallambaker-mesh-udf-13 §5.2), by the recipe every step
 * of the §5.2.2 example reproduces (conformance/udf.md item 6):
 *
 *   IKM    = utf8(key string exactly as given, dashes included)
 *   PRK    = HMAC-H(key = "KeyedUDFMaster", IKM)             (HKDF-Extract)
 *   OKM    = HKDF-Expand-H(PRK, info = "KeyedUDFExpand", 64)
 *   MAC    = HMAC-H(OKM, utf8(content-type) || ':' || H(data))
 *   binary = type || MAC[0:63]        type 0 (HMAC-SHA-2-512) or 1 (HMAC-SHA-3-512)
 *
 * No compression is applied. Type 1 has no example in the draft: it is the same
 * recipe with SHA-3-512 in every place SHA-2-512 appears (HMAC, HKDF and H).
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { expand } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { sha3_512 } from '@noble/hashes/sha3.js';
import type { CHash } from '@noble/hashes/utils.js';
import { concatBytes, utf8 } from '../internal/bytes.js';
import { DareError } from '../errors.js';
import { UdfType, type DigestAlgorithm } from './types.js';
import { formatUdf, parseUdf } from './presentation.js';
import { checkUdfBits, DEFAULT_UDF_BITS } from './digest.js';

const MASTER = utf8('KeyedUDFMaster');
const EXPAND = utf8('KeyedUDFExpand');

function hashOf(alg: DigestAlgorithm): CHash {
  if (alg === 'sha2') return sha512;
  if (alg === 'sha3') return sha3_512;
  throw new TypeError(`unknown digest algorithm ${JSON.stringify(alg)}, expected 'sha2' or 'sha3'`);
}

/** The 64-octet authentication key derived from a key string (§5.2.2 OKM). */
export function authenticatorKey(key: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  if (typeof key !== 'string') throw new TypeError('"key" expected a string');
  const h = hashOf(alg);
  const prk = hmac(h, MASTER, utf8(key));
  return expand(h, prk, EXPAND, 64);
}

/** The full MAC value (64 octets) of §5.2.2. */
export function authenticatorMac(key: string, data: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" expected Uint8Array');
  if (typeof contentType !== 'string') throw new TypeError('"contentType" expected a string');
  const h = hashOf(alg);
  return hmac(h, authenticatorKey(key, alg), concatBytes(utf8(contentType), utf8(':'), h(data)));
}

/** The binary value: type octet || first 63 octets of the MAC (64 octets). */
export function authenticatorBinary(key: string, data: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  const type = alg === 'sha2' ? UdfType.AUTHENTICATOR_SHA2 : UdfType.AUTHENTICATOR_SHA3;
  return concatBytes(Uint8Array.of(type), authenticatorMac(key, data, contentType, alg).subarray(0, 63));
}

export interface AuthenticatorOptions {
  /** 'sha2' (type 0, default) or 'sha3' (type 1). */
  alg?: DigestAlgorithm;
  /** Precision in bits: a multiple of 20 in [100, 440]; default 140. */
  bits?: number;
}

/** The authenticator UDF of `data` as `contentType` under the key string `key`. */
export function authenticator(key: string, data: Uint8Array, contentType: string, options: AuthenticatorOptions = {}): string {
  const bits = checkUdfBits(options.bits ?? DEFAULT_UDF_BITS);
  return formatUdf(authenticatorBinary(key, data, contentType, options.alg ?? 'sha2'), bits);
}

/**
 * True when `expected` (an authenticator UDF of any precision) authenticates `data` as
 * `contentType` under `key`. The comparison is constant time in the presented value.
 * Throws UDF_INVALID when `expected` is not an authenticator UDF.
 */
export function authenticatorMatches(expected: string, key: string, data: Uint8Array, contentType: string): boolean {
  const udf = parseUdf(expected);
  if (udf.info.kind !== 'authenticator' || udf.info.alg === undefined) {
    throw new DareError('UDF_INVALID', `expected an authenticator udf, got a ${udf.info.kind} udf (type ${udf.type})`);
  }
  const binary = authenticatorBinary(key, data, contentType, udf.info.alg);
  const actual = formatUdf(binary, Math.min(udf.bits, binary.length * 8));
  let diff = actual.length ^ udf.text.length;
  for (let i = 0; i < Math.min(actual.length, udf.text.length); i++) diff |= actual.charCodeAt(i) ^ udf.text.charCodeAt(i);
  return diff === 0;
}
