import { describe, expect, it } from 'vitest';
import { sha512 } from '@noble/hashes/sha2.js';
import { sha3_512 } from '@noble/hashes/sha3.js';
import { contentDigest, contentDigestOfHash } from './digest.js';
import { utf8 } from '../internal/bytes.js';

describe('content digest from a streamed hash', () => {
  it('equals the one-shot digest for both algorithms and several precisions', () => {
    const data = utf8('UDF Content Data');
    expect(contentDigestOfHash(sha512(data), 'text/plain')).toBe('MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4');
    for (const bits of [100, 140, 200, 440]) {
      expect(contentDigestOfHash(sha512(data), 'text/plain', { bits })).toBe(contentDigest(data, 'text/plain', { bits }));
      expect(contentDigestOfHash(sha3_512(data), 'text/plain', { alg: 'sha3', bits })).toBe(contentDigest(data, 'text/plain', { alg: 'sha3', bits }));
    }
  });
  it('rejects a digest of the wrong length', () => {
    expect(() => contentDigestOfHash(new Uint8Array(32), 'text/plain')).toThrow(RangeError);
  });
});
