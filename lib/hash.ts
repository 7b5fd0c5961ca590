/**
 * Digests and content-digest UDFs of streams, so that files of any size are
 * fingerprinted in constant memory (udf-13 §5.1 over a streamed H(data)).
 * @module
 */
import { getBackend } from './crypto/backend-select.js';
import type { HashAlgorithm } from './platform/backend.js';
import { DareError } from './errors.js';
import { contentDigestOfHash, contentDigestBinaryOfHash, parseUdf, formatUdf } from './udf/index.js';
import type { DigestAlgorithm } from './udf/index.js';

/** Digest of everything `source` yields. */
export async function digestStream(source: AsyncIterable<Uint8Array>, alg: HashAlgorithm): Promise<Uint8Array> {
  const h = getBackend().createHash(alg);
  for await (const chunk of source) h.update(chunk);
  return h.digest();
}

export interface StreamUdfOptions {
  alg?: DigestAlgorithm;
  bits?: number;
}

/** The content digest UDF (udf-13 §5.1) of a stream as `contentType`. */
export async function contentDigestOfStream(source: AsyncIterable<Uint8Array>, contentType: string, options: StreamUdfOptions = {}): Promise<string> {
  const alg = options.alg ?? 'sha2';
  const h = await digestStream(source, alg === 'sha2' ? 'sha512' : 'sha3-512');
  return contentDigestOfHash(h, contentType, { alg, bits: options.bits });
}

/**
 * Checks a stream against an expected content digest UDF, whose type fixes the
 * algorithm and whose length fixes the precision. Resolves to the UDF computed
 * at that precision; raises UDF_INVALID when `expected` is not a content digest.
 */
export async function checkContentDigestOfStream(source: AsyncIterable<Uint8Array>, contentType: string, expected: string): Promise<{ matches: boolean; actual: string }> {
  const udf = parseUdf(expected);
  if (udf.info.kind !== 'digest' || udf.info.alg === undefined) {
    throw new DareError('UDF_INVALID', `expected a content digest udf, got a ${udf.info.kind} udf`);
  }
  const h = await digestStream(source, udf.info.alg === 'sha2' ? 'sha512' : 'sha3-512');
  const actual = formatUdf(contentDigestBinaryOfHash(h, contentType, udf.info.alg), Math.min(udf.bits, 520));
  return { matches: actual === udf.text, actual };
}
