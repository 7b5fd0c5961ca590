/**
 * Unit tests of UDF presentation, parsing, types, digests and authenticators
 * (draft-hallambaker-mesh-udf-13 §3, §5). The draft's vectors run in vectors.test.ts.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { isDareError } from '../errors.js';
import { utf8 } from '../internal/bytes.js';
import {
  authenticator, compressionLevel, contentDigest, contentDigestMatches, digestTypeCode, formatUdf, keySpecifier,
  normalizeUdf, parseUdf, udfMatches, udfTypeCodes, udfTypeInfo,
} from './index.js';
import { checkUdfBits, trailingZeroBits } from './digest.js';

function udfError(f: () => unknown, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isDareError(e, 'UDF_INVALID'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toMatch(/\.$/);
    return;
  }
  throw new TypeError('expected a UDF_INVALID error');
}

const DIGEST = 'MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF';

describe('presentation', () => {
  it('formats with a dash every 4 characters, cut to ceil(bits/5)', () => {
    expect(formatUdf(Uint8Array.of(0x68, 1, 2, 3), 20)).toBe('NAAQ');
    expect(formatUdf(Uint8Array.of(0x68, 1, 2, 3), 21)).toBe('NAAQ-E');
    expect(formatUdf(Uint8Array.of(0x68, 1, 2, 3))).toBe('NAAQ-EAY');
    expect(() => formatUdf(Uint8Array.of(1), 9)).toThrow(RangeError);
    expect(() => formatUdf(Uint8Array.of(1), 0)).toThrow(RangeError);
  });

  it('parses case-insensitively, with or without dashes and a udf: prefix', () => {
    for (const s of [DIGEST, DIGEST.toLowerCase(), DIGEST.replace(/-/g, ''), `udf:${DIGEST}`, `UDF:${DIGEST.toLowerCase()}`, 'MDDK7-N6A72-7AJZN-OSTRX-XKS7D-JAF']) {
      const u = parseUdf(s);
      expect(u.text).toBe(DIGEST);
      expect([u.type, u.chars, u.bits, u.info.kind, u.info.alg]).toEqual([96, 28, 140, 'digest', 'sha2']);
      expect(normalizeUdf(s)).toBe(DIGEST);
    }
  });

  it('rejects bad characters, dashes, types and lengths with clear messages', () => {
    udfError(() => parseUdf(''), /empty udf/);
    udfError(() => parseUdf('udf:'), /empty udf/);
    udfError(() => parseUdf('MDDK-7N6A-727A-JZN0-STRX'), /invalid character "0" at position 18/);
    udfError(() => parseUdf('MDDK 7N6A'), /invalid character " "/);
    udfError(() => parseUdf('-MDDK'), /misplaced dash at position 0/);
    udfError(() => parseUdf('MDDK--7N6A'), /misplaced dash/);
    udfError(() => parseUdf('MDDK-'), /misplaced dash/);
    udfError(() => parseUdf('udf://example.com/MDDK'), /locator/);
    udfError(() => parseUdf('M'), /too short/);
    udfError(() => parseUdf('7777-7777'), /unknown udf type code 255/);
    udfError(() => parseUdf('MDDK-7N6A-727A-JZNO-STR'), /19 characters, fewer than 20/);
    udfError(() => parseUdf('M'.repeat(105)), /105 characters, more than 104/);
    udfError(() => parseUdf('A'.repeat(104)), /104 characters, more than 103/);
    udfError(() => parseUdf('ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QS'), /not a whole number of octets/);
    udfError(() => parseUdf('ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QSB'), /non-zero padding bits/);
    udfError(() => parseUdf('NA'), /no value/);
    udfError(() => parseUdf('EAAA-AAAA-AAAA'), /secret udf carries 52 key bits, fewer than 128/);
    udfError(() => parseUdf('SAIA-C'), /threshold 1, less than 2/);
    udfError(() => parseUdf('ZAAA-A'), /no seed/);
    udfError(() => parseUdf('OAYA'), /not a der sequence/);
    udfError(() => parseUdf(formatUdf(Uint8Array.of(112, 0x30, 5, 1, 2))), /der length 5/);
    udfError(() => parseUdf('X'.repeat(5000)), /longer than 2048/);
    expect(() => parseUdf(42 as unknown as string)).toThrow(TypeError);
  });

  it('accepts the nonce of §1.1 as 0x68 || 16 octets', () => {
    const u = parseUdf('ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QSA');
    expect([u.type, u.data.length, u.info.kind]).toEqual([104, 16, 'nonce']);
  });

  it('keeps the bits of a final partial octet, so it re-presents exactly', () => {
    const u = parseUdf('MDDK-7N6A-727A-JZNO-STRX-X');
    expect(u.binary.length).toBe(14);
    expect(formatUdf(u.binary, u.bits)).toBe(u.text);
  });

  it('matches a lower precision as a prefix of a higher one', () => {
    expect(udfMatches('MDDK-7N6A-727A-JZNO-STRX', DIGEST)).toBe(true);
    expect(udfMatches(DIGEST.toLowerCase(), 'MDDK-7N6A-727A-JZNO-STRX')).toBe(true);
    expect(udfMatches('MDDK-7N6A-727A-JZNO-STRY', DIGEST)).toBe(false);
    expect(udfMatches('KCFI-NCQG-DRKG-47R7-OVPT', DIGEST)).toBe(false);
  });
});

describe('types', () => {
  it('gives every assigned code its initial letter and kind', () => {
    expect(udfTypeCodes()).toHaveLength(18);
    expect(udfTypeInfo(7)).toBeUndefined();
    expect(udfTypeInfo(98)).toMatchObject({ kind: 'digest', alg: 'sha2', compression: 2 });
    expect(digestTypeCode('sha3', 4)).toBe(84);
    expect(() => digestTypeCode('sha2', 5)).toThrow(RangeError);
    expect(keySpecifier(3, 2)).toEqual(Uint8Array.of(0x80, 3));
    expect(() => keySpecifier(0x4000)).toThrow(RangeError);
  });
});

describe('content digest', () => {
  it('counts trailing zero bits from the end of the TCDV', () => {
    const t = new Uint8Array(64).fill(0xff);
    const withZeros = (n: number): Uint8Array => {
      const v = t.slice();
      for (let i = 0; i < n; i++) v[63 - (i >> 3)] = (v[63 - (i >> 3)] as number) & ~(1 << (i & 7));
      return v;
    };
    for (const [zeros, level] of [[0, 0], [19, 0], [20, 1], [29, 1], [30, 2], [39, 2], [40, 3], [49, 3], [50, 4], [80, 4]] as const) {
      expect(trailingZeroBits(withZeros(zeros))).toBe(zeros);
      expect(compressionLevel(withZeros(zeros))).toBe(level);
    }
    expect(compressionLevel(new Uint8Array(64))).toBe(4);
    const first8 = t.slice();
    first8.fill(0, 0, 8);
    expect(compressionLevel(first8)).toBe(0);
  });

  it('checks the precision: a multiple of 20 in [100, 440]', () => {
    expect(checkUdfBits(440)).toBe(440);
    expect(() => checkUdfBits(150)).toThrow(RangeError);
    expect(() => checkUdfBits(80)).toThrow(RangeError);
    expect(() => checkUdfBits(460)).toThrow(RangeError);
    expect(() => checkUdfBits(1.5)).toThrow(TypeError);
    expect(() => contentDigest(utf8('x'), 'text/plain', { bits: 130 })).toThrow(RangeError);
    expect(() => contentDigest(utf8('x'), 'text/plain', { alg: 'md5' as 'sha2' })).toThrow(TypeError);
    expect(contentDigest(utf8('x'), 'text/plain', { bits: 440 }).replace(/-/g, '')).toHaveLength(88);
  });

  it('binds the content type and compares at any precision', () => {
    const a = contentDigest(utf8('data'), 'text/plain');
    expect(contentDigest(utf8('data'), 'application/json')).not.toBe(a);
    expect(contentDigestMatches(a.slice(0, 24), utf8('data'), 'text/plain')).toBe(true);
    expect(contentDigestMatches(a, utf8('data'), 'application/json')).toBe(false);
    udfError(() => contentDigestMatches('ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QSA', utf8('data'), 'text/plain'), /expected a content digest udf, got a nonce udf/);
  });
});

describe('authenticator', () => {
  it('uses type 0 for SHA-2 and type 1 for SHA-3, both initial A', () => {
    const a2 = authenticator('key', utf8('data'), 'text/plain');
    const a3 = authenticator('key', utf8('data'), 'text/plain', { alg: 'sha3' });
    expect(parseUdf(a2).type).toBe(0);
    expect(parseUdf(a3).type).toBe(1);
    expect(a2).not.toBe(a3);
    expect(authenticator('key', utf8('data'), 'text/plain', { bits: 440 }).startsWith(a2)).toBe(true);
    expect(parseUdf(authenticator('key', utf8('data'), 'text/plain', { bits: 440 })).bits).toBe(440);
  });
});
