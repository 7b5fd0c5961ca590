import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import { Base64urlDecoder, Base64urlEncoder, base64urlDecode, base64urlEncode } from './base64url.js';
import { isDareError } from '../errors.js';
import { equalBytes, utf8 } from '../internal/bytes.js';

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
  it('refuses non-canonical trailing bits, in one piece and streaming (RFC 4648 §3.5)', () => {
    // 'QQ' is the canonical form of 0x41; 'QR'..'QZ' carry the same byte with stray low bits.
    for (const [good, bad] of [['QQ', 'QR'], ['QUI', 'QUJ'], ['QUJD', 'QUJD']]) {
      expect(base64urlDecode(good as string)).toEqual(base64urlDecode(good as string));
      if (good === bad) continue;
      for (const decode of [(t: string) => base64urlDecode(t), (t: string) => {
        const d = new Base64urlDecoder();
        d.push(t);
        return d.end();
      }]) {
        expect(decode(good as string)).toEqual(base64urlDecode(good as string));
        let code = '';
        try {
          decode(bad as string);
        } catch (e) {
          code = (e as { code: string }).code;
        }
        expect(code).toBe('MALFORMED');
      }
    }
  });
});

/** Deterministic pseudo-random generator for split points and data. */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

function splitAt<T extends string | Uint8Array>(whole: T, rnd: (n: number) => number, max: number): T[] {
  const out: T[] = [];
  let p = 0;
  while (p < whole.length) {
    const n = rnd(max + 1);
    out.push(whole.slice(p, p + n) as T);
    p += n;
  }
  return out;
}

function streamDecode(parts: string[]): Uint8Array {
  const d = new Base64urlDecoder();
  const outs = parts.map((t) => d.push(t));
  outs.push(d.end());
  const total = outs.reduce((a, b) => a + b.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const b of outs) {
    all.set(b, o);
    o += b.length;
  }
  return all;
}

function streamEncode(parts: Uint8Array[]): string {
  const e = new Base64urlEncoder();
  return parts.map((b) => e.push(b)).join('') + e.end();
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'OK';
  } catch (e) {
    return isDareError(e) ? e.code : `not a DareError: ${String(e)}`;
  }
}

describe('streaming base64url', () => {
  it('equals the one-shot codecs for every length and split', () => {
    const rnd = lcg(11);
    for (let len = 0; len < 70; len++) {
      const b = new Uint8Array(len).map(() => rnd(256));
      const text = base64urlEncode(b);
      expect(streamEncode([b])).toBe(text);
      expect(streamEncode([...b].map((x) => Uint8Array.of(x)))).toBe(text);
      expect(streamDecode([text])).toEqual(b);
      expect(streamDecode([...text])).toEqual(b);
      for (let k = 0; k < 5; k++) {
        expect(streamEncode(splitAt(b, rnd, 7))).toBe(text);
        expect(streamDecode(splitAt(text, rnd, 9))).toEqual(b);
      }
    }
  });

  it('holds at most 2 bytes / 3 characters and emits whole groups', () => {
    const e = new Base64urlEncoder();
    expect(e.push(Uint8Array.of(1, 2))).toBe('');
    expect(e.push(Uint8Array.of(3))).toBe(base64urlEncode(Uint8Array.of(1, 2, 3)));
    expect(e.push(Uint8Array.of(4, 5, 6, 7))).toHaveLength(4);
    expect(e.end()).toHaveLength(2);
    expect(e.end()).toBe('');
    const d = new Base64urlDecoder();
    expect(d.push('Zm9')).toHaveLength(0);
    expect(d.push('vYg')).toEqual(utf8('foo'));
    expect(d.end()).toEqual(utf8('b'));
    expect(d.push('Zg')).toHaveLength(0);
    expect(d.end()).toEqual(utf8('f'));
  });

  it('ignores whitespace (as \\s does) and trailing padding like the one-shot decoder', () => {
    const inputs = [
      'Zm9v\nYmFy', ' Z m 9 v Y g = = ', 'Zg==\r\n', 'Zg=\n=', 'Zm8=', '=', '==\n', '',
      'Zm9v\u00a0YmE\u2028\ufeff', 'Zm9v\u000bYg\u000c', '-_-_\t\u3000',
    ];
    const rnd = lcg(5);
    for (const t of inputs) {
      const want = base64urlDecode(t);
      expect(streamDecode([t]), JSON.stringify(t)).toEqual(want);
      expect(streamDecode([...t]), JSON.stringify(t)).toEqual(want);
      expect(streamDecode(splitAt(t, rnd, 4)), JSON.stringify(t)).toEqual(want);
    }
  });

  it('fails where the one-shot decoder fails, with MALFORMED', () => {
    const bad = ['ab+c', 'ab/c', 'abcde', 'Z', 'Zg=g', '=Zg', 'Zm9v=Zm9v', 'Zg==\u0085', 'Zm\u00e9', 'Zm\ud83d\ude00', 'Zm.v', 'Zg\0'];
    for (const t of bad) {
      expect(codeOf(() => base64urlDecode(t)), JSON.stringify(t)).toBe('MALFORMED');
      expect(codeOf(() => streamDecode([t])), JSON.stringify(t)).toBe('MALFORMED');
      expect(codeOf(() => streamDecode([...t])), JSON.stringify(t)).toBe('MALFORMED');
    }
  });

  it('refuses arguments of the wrong type with TypeError', () => {
    expect(() => new Base64urlDecoder().push(1 as unknown as string)).toThrow(TypeError);
    expect(() => new Base64urlEncoder().push('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('carries 1 MiB in large pieces exactly', () => {
    const rnd = lcg(3);
    const b = new Uint8Array(1 << 20).map((_, i) => (Math.imul(i, 2654435761) >>> 24) ^ (i & 0xff));
    const text = base64urlEncode(b);
    expect(streamEncode(splitAt(b, rnd, 100_000)) === text).toBe(true);
    expect(equalBytes(streamDecode(splitAt(text, rnd, 100_000)), b)).toBe(true);
  });
});
