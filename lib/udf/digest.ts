/**
 * Content digest UDFs (draft-hallambaker-mesh-udf-13 §5.1), as the worked examples of
 * §5.1.6-5.1.9 compute them (CONFORMANCE.md UDF items 1-3):
 *
 *   TCDV   = H(utf8(content-type) || ':' || H(data))      H = SHA-2-512 or SHA-3-512
 *   binary = (base type + compression level) || TCDV       base 96 ('M') or 80 ('K')
 *
 * The binary value starts at TCDV octet 0 (the "9th octet" of §5.1.4 is wrong). The
 * compression level counts the trailing zero bits at the END of the 64-octet TCDV
 * (last octet first, least significant bits first): >= 20, 30, 40, 50 give levels 1-4.
 * Only the type octet changes; the presented bits are the same (the "first 8 bytes"
 * of §5.1.3 is wrong).
 *
 * Precision: 100..440 bits in steps of 20 (§3.1, §6.2.2), default 140 (28 characters).
 * @module
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { sha3_512 } from '@noble/hashes/sha3.js';
import { concatBytes, utf8 } from '../internal/bytes.js';
import { DareError } from '../errors.js';
import { digestTypeCode, type DigestAlgorithm } from './types.js';
import { formatUdf, parseUdf } from './presentation.js';

/** Default presentation precision in bits (28 characters). */
export const DEFAULT_UDF_BITS = 140;
export const MIN_UDF_BITS = 100;
export const MAX_UDF_BITS = 440;

type Hash = (data: Uint8Array) => Uint8Array;

/** The hash function of a digest algorithm. */
export function digestHash(alg: DigestAlgorithm): Hash {
  if (alg === 'sha2') return (d) => sha512(d);
  if (alg === 'sha3') return (d) => sha3_512(d);
  throw new TypeError(`unknown digest algorithm ${JSON.stringify(alg)}, expected 'sha2' or 'sha3'`);
}

/** Checks a precision: an integer multiple of 20 in [100, 440]. */
export function checkUdfBits(bits: number): number {
  if (typeof bits !== 'number' || !Number.isSafeInteger(bits)) throw new TypeError('"bits" expected an integer');
  if (bits % 20 !== 0) throw new RangeError(`bits must be a multiple of 20, got ${bits}`);
  if (bits < MIN_UDF_BITS || bits > MAX_UDF_BITS) throw new RangeError(`bits must be in [${MIN_UDF_BITS}, ${MAX_UDF_BITS}], got ${bits}`);
  return bits;
}

/** The Typed Content Digest Value of §5.1.2: H(content-type ':' H(data)). */
export function typedContentDigest(data: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" expected Uint8Array');
  return typedContentDigestOfHash(digestHash(alg)(data), contentType, alg);
}

/**
 * The TCDV from H(data) already computed (by a streaming hasher over a large file):
 * H(content-type ':' dataHash).
 */
export function typedContentDigestOfHash(dataHash: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  if (!(dataHash instanceof Uint8Array) || dataHash.length !== 64) throw new RangeError('"dataHash" expected a 64-byte digest');
  if (typeof contentType !== 'string') throw new TypeError('"contentType" expected a string');
  return digestHash(alg)(concatBytes(utf8(contentType), utf8(':'), dataHash));
}

/** Number of trailing zero bits of `value`, last octet first, low bits first. */
export function trailingZeroBits(value: Uint8Array): number {
  let z = 0;
  for (let i = value.length - 1; i >= 0; i--) {
    const b = value[i] as number;
    if (b === 0) {
      z += 8;
      continue;
    }
    let x = b;
    while ((x & 1) === 0) {
      z++;
      x >>= 1;
    }
    break;
  }
  return z;
}

/** The compression level (0..4) of a TCDV: 20, 30, 40 or 50 trailing zero bits (CONFORMANCE item 3). */
export function compressionLevel(tcdv: Uint8Array): number {
  const z = trailingZeroBits(tcdv);
  return z >= 50 ? 4 : z >= 40 ? 3 : z >= 30 ? 2 : z >= 20 ? 1 : 0;
}

/** The full binary value (type octet || 64-octet TCDV) of a content digest UDF. */
export function contentDigestBinary(data: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  return binaryOfTcdv(typedContentDigest(data, contentType, alg), alg);
}

function binaryOfTcdv(tcdv: Uint8Array, alg: DigestAlgorithm): Uint8Array {
  return concatBytes(Uint8Array.of(digestTypeCode(alg, compressionLevel(tcdv))), tcdv);
}

/** The full binary value of a content digest UDF from a streamed H(data). */
export function contentDigestBinaryOfHash(dataHash: Uint8Array, contentType: string, alg: DigestAlgorithm = 'sha2'): Uint8Array {
  return binaryOfTcdv(typedContentDigestOfHash(dataHash, contentType, alg), alg);
}

/** The content digest UDF from H(data) computed by a streaming hasher (SHA-2-512 or SHA-3-512 to match `alg`). */
export function contentDigestOfHash(dataHash: Uint8Array, contentType: string, options: ContentDigestOptions = {}): string {
  const bits = checkUdfBits(options.bits ?? DEFAULT_UDF_BITS);
  const alg = options.alg ?? 'sha2';
  return formatUdf(contentDigestBinaryOfHash(dataHash, contentType, alg), bits);
}

export interface ContentDigestOptions {
  /** 'sha2' (type 96, 'M', default) or 'sha3' (type 80, 'K'). */
  alg?: DigestAlgorithm;
  /** Precision in bits: a multiple of 20 in [100, 440]; default 140. */
  bits?: number;
}

/** The content digest UDF of `data` as `contentType`, e.g. `MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF`. */
export function contentDigest(data: Uint8Array, contentType: string, options: ContentDigestOptions = {}): string {
  const bits = checkUdfBits(options.bits ?? DEFAULT_UDF_BITS);
  return formatUdf(contentDigestBinary(data, contentType, options.alg ?? 'sha2'), bits);
}

/**
 * True when `expected` (a content digest UDF of any precision, SHA-2 or SHA-3, as its
 * type says) is the digest of `data` as `contentType`. Compression is applied, as §5.1.3
 * requires for comparison. Throws UDF_INVALID when `expected` is not a content digest.
 */
export function contentDigestMatches(expected: string, data: Uint8Array, contentType: string): boolean {
  const udf = parseUdf(expected);
  if (udf.info.kind !== 'digest' || udf.info.alg === undefined) {
    throw new DareError('UDF_INVALID', `expected a content digest udf, got a ${udf.info.kind} udf (type ${udf.type})`);
  }
  const full = contentDigestBinary(data, contentType, udf.info.alg);
  return formatUdf(full, udf.bits) === udf.text;
}
