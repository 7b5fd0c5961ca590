import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { isDareError } from '../errors.js';
import { utf8 } from '../internal/bytes.js';

describe('base32 (RFC 4648 test vectors, unpadded)', () => {
  const vectors: [string, string][] = [
    ['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, enc] of vectors) {
    it(`"${plain}"`, () => {
      expect(base32Encode(utf8(plain))).toBe(enc);
      expect(base32Decode(enc)).toEqual(utf8(plain));
      expect(base32Decode(enc.toLowerCase())).toEqual(utf8(plain));
    });
  }
  it('truncates to a character count', () => {
    expect(base32Encode(utf8('foobar'), 3)).toBe('MZX');
  });
  it('rejects characters outside the alphabet', () => {
    expect(() => base32Decode('MZ1')).toThrow();
    try { base32Decode('MZ1'); } catch (e) { expect(isDareError(e, 'MALFORMED')).toBe(true); }
  });
});

describe('base64url (RFC 4648 test vectors, unpadded)', () => {
  const vectors: [string, string][] = [
    ['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, enc] of vectors) {
    it(`"${plain}"`, () => {
      expect(base64urlEncode(utf8(plain))).toBe(enc);
      expect(base64urlDecode(enc)).toEqual(utf8(plain));
    });
  }
  it('uses the URL alphabet and ignores embedded line breaks', () => {
    const b = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(base64urlEncode(b)).toBe('-_-_');
    expect(base64urlDecode('-_\n  -_')).toEqual(b);
  });
  it('rejects bad characters and impossible lengths', () => {
    expect(() => base64urlDecode('ab+c')).toThrow();
    expect(() => base64urlDecode('abcde')).toThrow();
  });
});
